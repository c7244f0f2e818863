"""The process-wide default of the ``unit_gain`` flag of momentum-based learners."""
from __future__ import annotations

_default_unit_gain = True


def default_unit_gain_value() -> bool:
    """The global unit-gain default (True unless changed with `set_default_unit_gain_value`).

    As in CNTK 2.7, the learner factories read this once, when the module is imported: changing it
    later changes what this function returns but not the factories' default ``unit_gain`` argument.
    """
    return _default_unit_gain


def set_default_unit_gain_value(value: bool) -> None:
    """Set the global unit-gain default returned by `default_unit_gain_value`."""
    global _default_unit_gain
    _default_unit_gain = bool(value)
