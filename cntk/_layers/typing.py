"""Type annotations for graph arguments: ``Tensor[shape]``, ``SparseTensor[shape]``,
``Sequence[T]``, ``SequenceOver[axis][T]`` and the `Signature` decorator.

A type turns a placeholder argument into an input variable (see `Function.update_signature`)."""
from __future__ import annotations

from typing import Any, Optional

from .._graph.axis import Axis
from .._graph.signature import attach_types
from .._graph.variable import Variable, input_variable, placeholder


class _VariableType:
    """The type of one argument: static shape, sparsity and dynamic axes (None = unknown)."""

    def __init__(self, shape: Any, is_sparse: bool = False, dynamic_axes: Optional[tuple] = None) -> None:
        self.shape = shape
        self.is_sparse = is_sparse
        self.dynamic_axes = dynamic_axes

    def _make_variable(self, name: str) -> Variable:
        axes = self.dynamic_axes if self.dynamic_axes is not None else (Axis.default_batch_axis(),)
        if self.shape is None:
            return placeholder(dynamic_axes=axes, name=name)
        return input_variable(self.shape, is_sparse=self.is_sparse, dynamic_axes=list(axes), name=name)

    def keys(self) -> tuple:
        """The fields, so that a type can be spread into arguments: ``input_variable(**Sequence[Tensor[3]])``."""
        return ("shape", "is_sparse", "dynamic_axes")

    def __getitem__(self, key: str) -> Any:
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)

    def _with_axes(self, axes: tuple) -> "_VariableType":
        return _VariableType(self.shape, self.is_sparse, axes)

    def __repr__(self) -> str:
        kind = "SparseTensor" if self.is_sparse else "Tensor"
        s = "%s[%s]" % (kind, ",".join(str(d) for d in self.shape) if self.shape is not None else "?")
        if self.dynamic_axes and len(self.dynamic_axes) > 1:
            s = "SequenceOver[%s][%s]" % (self.dynamic_axes[-1].name, s)
        return s


def _as_type(t: Any) -> _VariableType:
    if isinstance(t, _VariableType):
        return t
    return _VariableType(t)


class _TensorFactory:
    def __init__(self, is_sparse: bool) -> None:
        self._sparse = is_sparse

    def __getitem__(self, shape: Any) -> _VariableType:
        if isinstance(shape, int):
            shape = (shape,)
        return _VariableType(tuple(shape), self._sparse)


class _SequenceOverFactory:
    """``SequenceOver[axis][T]``: T on the sequence axis ``axis``."""

    def __getitem__(self, axis: Any) -> "_SequenceFactory":
        return _SequenceFactory(axis)


class _SequenceFactory:
    def __init__(self, axis: Any = None) -> None:
        self._axis = axis

    def __getitem__(self, t: Any) -> _VariableType:
        axis = self._axis if self._axis is not None else Axis.default_dynamic_axis()
        if isinstance(axis, str):
            axis = Axis(axis)
        return _as_type(t)._with_axes((Axis.default_batch_axis(), axis))


Tensor = _TensorFactory(False)
SparseTensor = _TensorFactory(True)
Sequence = _SequenceFactory()
SequenceOver = _SequenceOverFactory()
tensor = _VariableType(None)
ParameterTensor = Tensor
Signature = None  # defined below


def Signature(*args: Any, **kwargs: Any):  # noqa: F811
    """Decorator attaching argument types to a Python function for ``@Function``:
    ``@Function @Signature(Sequence[Tensor[3]], Tensor[2])``. Types given positionally go to the
    arguments in order, keyword types by name."""
    return lambda f: attach_types(f, args, kwargs)
