"""`cntk.layers.models.attention`."""
from ..._layers.attention import AttentionModel

__all__ = ["AttentionModel"]
