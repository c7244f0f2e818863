"""`cntk.io.transforms`: image transforms of CNTK's ImageDeserializer (not implemented here)."""
from cntk._io.unsupported import color, crop, mean, scale

__all__ = ['crop', 'scale', 'mean', 'color']
