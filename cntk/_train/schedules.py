"""Minibatch-size schedules and the units training-session frequencies are counted in."""
from __future__ import annotations

import enum
import sys
from typing import Any, Optional, Tuple

from .._learners.schedules import TrainingParameterSchedule, _pieces_of


class DataUnit(enum.IntEnum):
    """What a training-session frequency counts: samples, minibatches or sweeps over the data."""
    sweep = 0
    sample = 1
    minibatch = 2


class MinibatchSizeSchedule(TrainingParameterSchedule):
    """Minibatch sizes as a piecewise-constant schedule over samples seen (``schedule[n]`` is an int)."""

    def __getitem__(self, count: int) -> int:
        return int(super().__getitem__(count))


def minibatch_size_schedule(schedule: Any, epoch_size: int = 1) -> MinibatchSizeSchedule:
    """A minibatch-size schedule: an int for a constant size, or a list of sizes (each lasting
    ``epoch_size`` samples) and/or ``(count, size)`` pairs (lasting ``count * epoch_size`` samples).

    >>> s = minibatch_size_schedule([(12, 32), (15, 64), (1, 128)], 100)
    >>> s[0], s[1199], s[1200], s[2699], s[2700], s[5000]
    (32, 32, 64, 64, 128, 128)
    """
    if isinstance(schedule, int):
        return MinibatchSizeSchedule([(1, schedule)], epoch_size=1)
    if isinstance(schedule, list):
        return MinibatchSizeSchedule(_pieces_of(schedule), epoch_size=epoch_size)
    raise ValueError('minibatch_size_schedule: schedule must be an int or a list, not %s' % type(schedule).__name__)


def as_minibatch_size_schedule(size: Any, what: str = 'minibatch_size') -> MinibatchSizeSchedule:
    """An int or a schedule as a schedule."""
    if isinstance(size, MinibatchSizeSchedule):
        return size
    if isinstance(size, int) and not isinstance(size, bool):
        return minibatch_size_schedule(size)
    raise ValueError('%s must be an int or the result of minibatch_size_schedule(), got %s'
                     % (what, type(size).__name__))


def unpack_frequency(frequency: Any) -> Tuple[Optional[int], DataUnit]:
    """``n`` or ``(n, DataUnit)`` as (n, unit); None stays None (counted in samples)."""
    if frequency is None:
        return None, DataUnit.sample
    if isinstance(frequency, int):
        return frequency, DataUnit.sample
    if isinstance(frequency, tuple) and len(frequency) == 2 and isinstance(frequency[0], int) \
            and isinstance(frequency[1], DataUnit):
        return frequency[0], frequency[1]
    raise ValueError('unsupported frequency %r: give an int or (int, DataUnit.sample|minibatch|sweep)' % (frequency,))


END_OF_TRAINING = sys.maxsize
