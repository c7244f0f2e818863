"""Python operators on variables and functions (``+ - * / @ abs -x x[...]``), as CNTK defines them."""
from __future__ import annotations

from typing import Any


def _ops():
    from .. import ops
    return ops


class TensorOpsMixin:
    """Arithmetic operators that build graph nodes instead of computing."""

    def __add__(self, other: Any):
        return _ops().plus(self, other)

    def __radd__(self, other: Any):
        return _ops().plus(other, self)

    def __sub__(self, other: Any):
        return _ops().minus(self, other)

    def __rsub__(self, other: Any):
        return _ops().minus(other, self)

    def __mul__(self, other: Any):
        return _ops().element_times(self, other)

    def __rmul__(self, other: Any):
        return _ops().element_times(other, self)

    def __truediv__(self, other: Any):
        return _ops().element_divide(self, other)

    def __rtruediv__(self, other: Any):
        return _ops().element_divide(other, self)

    def __matmul__(self, other: Any):
        return _ops().times(self, other)

    def __rmatmul__(self, other: Any):
        return _ops().times(other, self)

    def __abs__(self):
        return _ops().abs(self)

    def __neg__(self):
        return _ops().negate(self)

    def __pos__(self):
        return self

    def __getitem__(self, key: Any):
        """NumPy-style slicing; on a function with several outputs, ``f[k]`` picks output k (for a
        combine, the operand it forwards)."""
        outputs = getattr(self, "outputs", None)
        if outputs is not None and len(outputs) > 1:
            try:
                picked = outputs[key]
            except (IndexError, TypeError):
                raise KeyError("a function with %d outputs can be indexed only by one output index, got %r"
                               % (len(outputs), key))
            while picked.owner is not None and picked.owner.op_name == "Combine":  # CNTK: a combine's outputs
                picked = picked.owner._inputs[picked._output_index]                # are its operands
            return picked
        from ..ops.slicing import slice_by_index
        return slice_by_index(self, key)
