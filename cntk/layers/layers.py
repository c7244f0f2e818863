"""`cntk.layers.layers`: feed-forward layers."""
from .._layers.core_layers import Activation, Dense, Dropout, Embedding, Label
from .._layers.normalization import BatchNormalization, LayerNormalization
from .._layers.recurrence import Delay

__all__ = ["Activation", "BatchNormalization", "Dense", "Delay", "Dropout", "Embedding", "Label", "LayerNormalization"]
