"""`cntk.layers.typing`: argument types for `Signature` / `update_signature`."""
from .._layers.typing import ParameterTensor, Sequence, SequenceOver, Signature, SparseTensor, Tensor, tensor

__all__ = ["ParameterTensor", "Sequence", "SequenceOver", "Signature", "SparseTensor", "Tensor", "tensor"]
