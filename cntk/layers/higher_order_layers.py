"""`cntk.layers.higher_order_layers`: composition of layers."""
from .._layers.composition import For, ResNetBlock, Sequential, SequentialClique

__all__ = ["For", "ResNetBlock", "Sequential", "SequentialClique"]
