"""`cntk.layers.models`: composite models (attention)."""
from .attention import AttentionModel
