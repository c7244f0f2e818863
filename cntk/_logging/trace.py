"""Trace levels and the parameter-count line printed before training."""
from __future__ import annotations

import enum
from typing import Any

import numpy as np


class TraceLevel(enum.IntEnum):
    """How much the library reports about itself."""
    Error = 0
    Warning = 1
    Info = 2


_trace_level = TraceLevel.Warning


def set_trace_level(value: Any) -> None:
    """Set the verbosity (a `TraceLevel` or its integer value)."""
    global _trace_level
    _trace_level = TraceLevel(int(value))


def get_trace_level() -> TraceLevel:
    """The current verbosity."""
    return _trace_level


def log_number_of_parameters(model: Any, trace_level: int = 0) -> None:
    """Print ``Training N parameters in K parameter tensors.`` (and each shape when ``trace_level > 0``)."""
    parameters = model.parameters
    if any(d < 0 for p in parameters for d in p.shape):
        total: Any = 'so far unspecified number of'
    else:
        total = sum(int(np.prod(p.shape, dtype=np.int64)) for p in parameters)
    print('Training {} parameters in {} parameter tensors.'.format(total, len(parameters)))
    if trace_level > 0:
        print()
        for p in parameters:
            print('\t{}'.format(p.shape))
