"""Variables: graph inputs, parameters, constants, placeholders and function outputs."""
from __future__ import annotations

import enum
import itertools
from typing import Any, Optional, Sequence

import numpy as np
import torch

from ..device import torch_device_of
from .axis import Axis, batch_axes
from .defaults import default_override_or, get_default_override
from .tensor_ops import TensorOpsMixin

InferredDimension = -1
FreeDimension = -3

_uid_counters: dict = {}


def new_uid(prefix: str) -> str:
    """A process-unique id such as ``Parameter12`` (CNTK's naming)."""
    counter = _uid_counters.setdefault(prefix, itertools.count())
    return "%s%d" % (prefix, next(counter))


class VariableKind(enum.IntEnum):
    """What a variable is (numbering as in CNTK's model files)."""

    Input = 0
    Output = 1
    Parameter = 2
    Constant = 3
    Placeholder = 4


_FLOAT_TYPES = {np.dtype(np.float32): np.float32, np.dtype(np.float64): np.float64, np.dtype(np.float16): np.float16}
UNKNOWN_SHAPE = (-2,)  # CNTK's NDShape::Unknown as Python sees it
DATA_TYPE_UNKNOWN = 0
_CNTK_DATA_TYPES = {1: np.float32, 2: np.float64, 4: np.float16}  # CNTK's DataType enum values


def sanitize_dtype(dtype: Any) -> Optional[type]:
    """Map a dtype-like value (a NumPy type, or CNTK's DataType enum 1/2/4) to np.float32 /
    np.float64 / np.float16 (None stays unknown)."""
    if dtype is None or (isinstance(dtype, (int, np.integer)) and dtype == DATA_TYPE_UNKNOWN):
        return None
    if isinstance(dtype, (int, np.integer)) and int(dtype) in _CNTK_DATA_TYPES:  # True reads as 1, as in CNTK
        return _CNTK_DATA_TYPES[int(dtype)]
    try:
        key = np.dtype(dtype)
    except TypeError:
        raise TypeError("unsupported dtype %r: CNTK variables are float16, float32 or float64" % (dtype,))
    if key not in _FLOAT_TYPES:
        raise TypeError("unsupported dtype %r: CNTK variables are float16, float32 or float64" % (dtype,))
    return _FLOAT_TYPES[key]


_TORCH_DTYPES = {np.float32: torch.float32, np.float64: torch.float64, np.float16: torch.float16}


def torch_dtype(dtype: type) -> torch.dtype:
    """The torch dtype of a numpy float type."""
    return _TORCH_DTYPES[dtype]


def sanitize_shape(shape: Any) -> tuple:
    """An int or a sequence of ints as a shape tuple (None becomes the scalar shape ())."""
    if shape is None:
        return ()
    if isinstance(shape, (int, np.integer)) or _is_whole_float(shape):
        return (int(shape),)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError("a shape must be an int or a sequence of ints, got %r" % (shape,))
    if not all(isinstance(d, (int, np.integer)) or _is_whole_float(d) for d in dims):
        raise TypeError("a shape must be an int or a sequence of ints, got %r" % (shape,))
    return tuple(int(d) for d in dims)


def _is_whole_float(d: Any) -> bool:
    """A float with an integral value (``n / 2`` in Python 3), which CNTK accepted as a dimension."""
    return isinstance(d, (float, np.floating)) and float(d).is_integer()


class Variable(TensorOpsMixin):
    """A typed slot in the graph: static ``shape``, ``dtype`` and ``dynamic_axes``.

    Inputs receive data, parameters and constants hold values, placeholders are bound
    later, and outputs are produced by a `Function` (their ``owner``).
    """

    def __init__(self, shape: Any = None, dtype: Any = None, needs_gradient: bool = False,
                 is_sparse: bool = False, dynamic_axes: Optional[Sequence[Axis]] = None, name: str = "",
                 kind: VariableKind = VariableKind.Input, uid: Optional[str] = None) -> None:
        self._kind = VariableKind(kind)
        self._shape: Optional[tuple] = None if shape is None and kind == VariableKind.Placeholder else sanitize_shape(shape)
        self._dtype = sanitize_dtype(dtype)
        self._needs_gradient = bool(needs_gradient)
        self._is_sparse = bool(is_sparse)
        if dynamic_axes is None and kind in (VariableKind.Input,):
            dynamic_axes = (Axis.default_batch_axis(), Axis.default_dynamic_axis())
        self._dynamic_axes: Optional[tuple] = None if dynamic_axes is None else tuple(Axis(a) for a in dynamic_axes)
        self._name = name or ""
        self._uid = uid or new_uid(self._kind.name)
        self._owner = None
        self._output_index = 0

    # --- identity ---------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The user-given name ('' when none)."""
        return self._name

    @property
    def uid(self) -> str:
        """A process-unique identifier."""
        return self._uid

    @property
    def kind(self) -> VariableKind:
        """Input, Output, Parameter, Constant or Placeholder."""
        return self._kind

    @property
    def owner(self):
        """The Function producing this output variable (None for leaves)."""
        return self._owner

    # --- type ---------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        """The static shape of one sample (dynamic axes excluded); ``(-2,)``, CNTK's unknown shape,
        for a placeholder not yet bound to a typed variable."""
        if self._shape is None:
            return UNKNOWN_SHAPE
        return self._shape

    @property
    def dtype(self):
        """np.float32, np.float64 or np.float16."""
        return self._dtype if self._dtype is not None else np.float32

    def get_data_type(self) -> int:
        """CNTK's DataType enum of this variable: 1 float32, 2 float64, 4 float16, 0 not yet known."""
        if self._dtype is None:
            return DATA_TYPE_UNKNOWN
        return next(code for code, t in _CNTK_DATA_TYPES.items() if t == self._dtype)

    @property
    def dynamic_axes(self) -> tuple:
        """The dynamic axes: () for parameters, (batch,) or (batch, sequence) for data."""
        return self._dynamic_axes if self._dynamic_axes is not None else ()

    @property
    def is_sparse(self) -> bool:
        """True if this input takes sparse (e.g. one-hot) data."""
        return self._is_sparse

    @property
    def needs_gradient(self) -> bool:
        """True for parameters and for inputs declared with needs_gradient=True."""
        return self._needs_gradient

    @property
    def is_input(self) -> bool:
        """True for graph inputs."""
        return self._kind == VariableKind.Input

    @property
    def is_output(self) -> bool:
        """True for outputs of functions."""
        return self._kind == VariableKind.Output

    @property
    def is_parameter(self) -> bool:
        """True for learnable parameters."""
        return self._kind == VariableKind.Parameter

    @property
    def is_constant(self) -> bool:
        """True for constants."""
        return self._kind == VariableKind.Constant

    @property
    def is_placeholder(self) -> bool:
        """True for placeholders (not yet bound)."""
        return self._kind == VariableKind.Placeholder

    def has_sequence_axis(self) -> bool:
        """True if one of the dynamic axes is a sequence axis."""
        return self.sequence_axis is not None

    def has_batch_axis(self) -> bool:
        """True if the batch axis is among the dynamic axes."""
        return any(a.is_batch_axis for a in self.dynamic_axes)

    @property
    def sequence_axis(self) -> Optional[Axis]:
        """The sequence axis, or None."""
        for a in self._dynamic_axes or ():
            if a.is_sequence_axis:
                return a
        return None

    @property
    def _shape_known(self) -> bool:
        return self._shape is not None and all(d >= 0 for d in self._shape)

    @property
    def output(self) -> "Variable":
        """The variable itself (so that variables and single-output functions read alike)."""
        return self

    def _as_variable(self) -> "Variable":
        return self

    def __repr__(self) -> str:
        kind = self._kind.name
        return "%s('%s', %s, %s)" % (kind, self._name, list(self.shape), list(a.name for a in self.dynamic_axes))

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, Variable) and other._uid == self._uid)

    def __ne__(self, other: object) -> bool:
        return not self == other


class _ValueHolder(Variable):
    """Shared behaviour of parameters and constants: a torch tensor behind a numpy face."""

    _device: Any = None  # the DeviceDescriptor given at construction; None: the default device

    def __init__(self, shape: Any, init: Any, dtype: Any, name: str, kind: VariableKind) -> None:
        value = None
        if isinstance(init, (np.ndarray, list, tuple, np.generic)) or (init is not None and _is_number(init) and shape is None):
            value = np.asarray(init, dtype=np.float64 if dtype is None else np.dtype(dtype))
            if dtype is None:
                dtype = np.float32 if np.asarray(init).dtype != np.float64 else np.float64
            if isinstance(shape, memoryview):  # e.g. ``shape=init.data``: CNTK ignores the shape of an array value
                shape = None
            if shape is not None and sanitize_shape(shape) != value.shape:
                value = _fit_initial_value(value, sanitize_shape(shape), name)
            shape = value.shape
        super().__init__(shape=shape, dtype=dtype, needs_gradient=kind == VariableKind.Parameter,
                         dynamic_axes=(), name=name, kind=kind)
        self._init = init
        self._tensor: Optional[torch.Tensor] = None
        if value is not None:
            self._set_tensor(torch.as_tensor(value, dtype=torch_dtype(self.dtype)))
        elif self._shape_known:
            if self._dtype is None:
                self._dtype = np.float32
            self._materialize()

    def _set_tensor(self, t: torch.Tensor) -> None:
        t = t.detach().to(torch_device_of(self._device), copy=True)
        if self._kind == VariableKind.Parameter:
            t.requires_grad_(True)
        self._tensor = t

    def _materialize(self) -> None:
        from .initializer import Initializer
        init = self._init if self._init is not None else 0.0
        shape = self._shape
        if isinstance(init, Initializer) or callable(init):
            values = init(shape)
        elif _is_number(init):
            values = np.full(shape, float(init))
        else:
            raise TypeError("%s '%s': init must be a number, an array or an initializer, got %r"
                            % (self._kind.name, self._name, init))
        self._set_tensor(torch.as_tensor(np.asarray(values, dtype=np.float64), dtype=torch_dtype(self.dtype)))

    def _resolve(self, shape: tuple, dtype: Any) -> None:
        """Fill inferred dimensions and an unknown dtype, then draw the initial value."""
        if self._tensor is not None and self._shape == shape and (dtype is None or self._dtype == dtype):
            return
        if self._tensor is not None and self._shape != shape:
            raise ValueError("%s '%s' has shape %s, cannot be used as %s" % (self._kind.name, self._name, self._shape, shape))
        self._shape = tuple(shape)
        if self._dtype is None:
            self._dtype = sanitize_dtype(dtype) or np.float32
        if self._tensor is None:
            self._materialize()
        elif self._tensor.dtype != torch_dtype(self.dtype):
            self._set_tensor(self._tensor.to(torch_dtype(self.dtype)))

    @property
    def value(self) -> np.ndarray:
        """The current value as a NumPy array (a copy)."""
        if self._tensor is None:
            raise ValueError("%s '%s' has inferred dimensions %s that are not known yet; bind the model to an input first"
                             % (self._kind.name, self._name, self._shape))
        return self._tensor.detach().cpu().numpy().copy()

    @value.setter
    def value(self, new_value: Any) -> None:
        arr = np.asarray(new_value.asarray() if hasattr(new_value, "asarray") else new_value)  # Value/NDArrayView too
        if self._shape_known and arr.shape != self._shape:
            if arr.size == int(np.prod(self._shape)) and arr.ndim == 0:
                arr = arr.reshape(self._shape)
            else:
                raise ValueError("%s '%s': new value has shape %s, expected %s" % (self._kind.name, self._name, arr.shape, self._shape))
        if self._tensor is None:
            self._shape = arr.shape
            if self._dtype is None:
                self._dtype = np.float32
            self._set_tensor(torch.as_tensor(arr.astype(self.dtype)))
        else:
            with torch.no_grad():
                self._tensor.copy_(torch.as_tensor(arr.astype(self.dtype)))

    def set_value(self, value: Any) -> None:
        """Overwrite the value (same as assigning ``.value``)."""
        self.value = value

    def asarray(self) -> np.ndarray:
        """The value as a NumPy array."""
        return self.value


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


class Parameter(_ValueHolder):
    """A learnable tensor. ``init`` is a number, an array or an initialiser; dimensions given
    as -1 are inferred when the parameter is first bound to data-carrying inputs."""

    def __init__(self, shape: Any = None, init: Any = None, dtype: Any = default_override_or(None), device: Any = None,
                 name: str = "") -> None:
        dtype = get_default_override(Parameter, dtype=dtype)  # None: taken from the data it meets
        if init is None and shape is not None:
            init = 0.0  # CNTK's default: zeros
        if hasattr(init, "seeded"):
            init = init.seeded()  # the seed is taken now, in creation order, as CNTK takes it
        self._device = device
        super().__init__(shape, init, dtype, name, VariableKind.Parameter)


class Constant(_ValueHolder):
    """A tensor that training does not change. A scalar ``value`` with a ``shape`` is broadcast."""

    def __init__(self, value: Any = None, shape: Any = None, dtype: Any = default_override_or(None), device: Any = None,
                 name: str = "") -> None:
        dtype = get_default_override(Constant, dtype=dtype)
        if value is None:
            value = 0.0
        if _is_number(value) and shape is not None and any(d < 0 for d in sanitize_shape(shape)):
            # inferred dimensions: filled with the value once an op fixes the shape, as a Parameter would be
            self._device = device
            super().__init__(shape, float(value), dtype, name, VariableKind.Constant)
            return
        if dtype is None and not isinstance(value, np.ndarray):
            dtype = np.float32
        if isinstance(value, np.ndarray) and value.dtype not in (np.float32, np.float64, np.float16) and dtype is None:
            dtype = np.float32
        self._device = device
        if _is_number(value) and shape is not None:  # a scalar broadcast to the shape
            super().__init__(sanitize_shape(shape), float(value), dtype, name, VariableKind.Constant)
        else:
            super().__init__(None, value, dtype, name, VariableKind.Constant)


def input_variable(shape: Any, dtype: Any = default_override_or(np.float32), needs_gradient: bool = False,
                   is_sparse: bool = False, dynamic_axes: Optional[Sequence[Axis]] = None, name: str = "") -> Variable:
    """A graph input with a batch axis only (give ``dynamic_axes`` for others). Inside
    ``default_options(dtype=...)`` its dtype defaults to that one, as do those of Parameters and
    Constants."""
    dtype = get_default_override(input_variable, dtype=dtype)
    axes = batch_axes() if dynamic_axes is None else tuple(dynamic_axes)
    return Variable(shape, dtype or np.float32, needs_gradient, is_sparse, axes, name, VariableKind.Input)


def placeholder(shape: Any = None, dynamic_axes: Optional[Sequence[Axis]] = None, name: str = "") -> Variable:
    """An unbound slot, replaced later by calling the function or `replace_placeholders`."""
    return Variable(shape, None, False, False, dynamic_axes, name, VariableKind.Placeholder)


def _fit_initial_value(value: np.ndarray, shape: tuple, name: str) -> np.ndarray:
    """An initial value given with another shape: broadcast, or reshaped when it holds exactly
    the right number of elements (CNTK accepts ``init=[[0, 1]]`` for shape ``(2,)``)."""
    try:
        return np.broadcast_to(value, shape).copy()
    except ValueError:
        if value.size == int(np.prod(shape)):
            return value.reshape(shape).copy()
        raise ValueError("the initial value of '%s' has shape %s, which does not fit the shape %s"
                         % (name, value.shape, shape)) from None
