"""Dynamic and static axes, as CNTK names them."""
from __future__ import annotations

import itertools
from typing import Optional

_BATCH = "defaultBatchAxis"
_SEQUENCE = "defaultDynamicAxis"
_unique_counter = itertools.count()
# CNTK's static index for "the end of the static axes" (its SentinelStaticAxisIndexValueForEndStaticAxis):
# in CNTK's reversed (column-major) order that is a position past the last axis, i.e. a new
# leading axis in Python order.
END_STATIC_AXIS_INDEX = 2147483644


class Axis:
    """An axis of a tensor.

    A *dynamic* axis is one whose length is known only when data arrive: the batch axis,
    or a sequence axis (CNTK's default one, or a named one so that two inputs can have
    independent sequence lengths). A *static* axis is a position in a variable's sample
    shape, given by an integer index.
    """

    __slots__ = ("_name", "_static_index", "_ordered")

    def __init__(self, name_or_index: "str | int | Axis" = "", is_ordered_dynamic: bool = True) -> None:
        if isinstance(name_or_index, Axis):
            self._name, self._static_index, self._ordered = (
                name_or_index._name, name_or_index._static_index, name_or_index._ordered)
        elif isinstance(name_or_index, (int,)) and not isinstance(name_or_index, bool):
            self._name, self._static_index, self._ordered = "staticAxisIdx=%d" % name_or_index, int(name_or_index), True
        elif isinstance(name_or_index, str):
            self._name, self._static_index = name_or_index, None
            self._ordered = name_or_index != _BATCH and is_ordered_dynamic
        else:
            raise TypeError("Axis() takes an axis name (str) or a static axis index (int), got %r" % (name_or_index,))

    # --- factories CNTK users call -------------------------------------------------------
    @staticmethod
    def default_batch_axis() -> "Axis":
        """The axis along which the samples of a minibatch are stacked."""
        return Axis(_BATCH)

    @staticmethod
    def default_dynamic_axis() -> "Axis":
        """The default sequence axis of `sequence.input_variable`."""
        return Axis(_SEQUENCE)

    @staticmethod
    def default_input_variable_dynamic_axes() -> list:
        """The dynamic axes a sequence input gets by default: batch, then sequence."""
        return [Axis.default_batch_axis(), Axis.default_dynamic_axis()]

    @staticmethod
    def new_unique_dynamic_axis(name: str) -> "Axis":
        """A fresh sequence axis whose name cannot collide with any other."""
        return Axis("%s_%d" % (name, next(_unique_counter)))

    @staticmethod
    def all_static_axes() -> "Axis":
        """Sentinel meaning every static axis (for reductions)."""
        return Axis("AllStaticAxes")

    @staticmethod
    def all_axes() -> "Axis":
        """Sentinel meaning every axis, dynamic ones included (for reductions)."""
        return Axis("AllAxes")

    @staticmethod
    def unknown_dynamic_axes() -> tuple:
        """Placeholder value for dynamic axes not yet known."""
        return (Axis("UnknownAxes"),)

    @staticmethod
    def end_static_axis() -> "Axis":
        """The static axis past the last one in CNTK's internal order (equal to `new_leading_axis`)."""
        return Axis(END_STATIC_AXIS_INDEX)

    @staticmethod
    def new_leading_axis() -> "Axis":
        """A static axis meaning "a new leading axis" (e.g. `splice` along it stacks its operands
        along a new first axis); in `reshape`'s ``begin_axis``/``end_axis`` it means the end of the shape."""
        return Axis(END_STATIC_AXIS_INDEX)

    @property
    def _is_new_leading_axis(self) -> bool:
        return self._static_index == END_STATIC_AXIS_INDEX

    # --- properties --------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The axis name."""
        return self._name

    @property
    def is_static_axis(self) -> bool:
        """True for an axis of the sample shape."""
        return self._static_index is not None

    @property
    def is_dynamic_axis(self) -> bool:
        """True for the batch axis and sequence axes."""
        return self._static_index is None

    @property
    def is_batch_axis(self) -> bool:
        """True for the batch axis."""
        return self._name == _BATCH

    @property
    def is_sequence_axis(self) -> bool:
        """True for an ordered dynamic axis (a sequence axis)."""
        return self._static_index is None and self._name != _BATCH and self._ordered

    @property
    def is_ordered(self) -> bool:
        """True for sequence axes and static axes."""
        return self._ordered

    def static_axis_index(self, checked: bool = True) -> int:
        """The index of a static axis."""
        if self._static_index is None:
            if checked:
                raise ValueError("Axis('%s') is not a static axis" % self._name)
            return -1
        return self._static_index

    def _key(self) -> tuple:
        return (self._name, self._static_index)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Axis) and self._key() == other._key()

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return "Axis(%r)" % self._name

    __str__ = __repr__


def batch_axes() -> tuple:
    """Dynamic axes of a plain (non-sequence) input."""
    return (Axis.default_batch_axis(),)


def sequence_axes(sequence_axis: Optional[Axis] = None) -> tuple:
    """Dynamic axes of a sequence input: batch, then the given (or default) sequence axis."""
    return (Axis.default_batch_axis(), sequence_axis or Axis.default_dynamic_axis())
