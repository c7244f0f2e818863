"""Training-parameter schedules: piecewise-constant values over samples (or data sweeps).

A schedule is a list of ``(count, value)`` pieces. With an ``epoch_size`` E > 0 a piece lasts
``count * E`` samples; with ``epoch_size`` 0 ("full data sweep") it lasts ``count`` sweeps over the
data. The last value persists forever. A schedule also carries the reference minibatch size M it
was designed for (0 = "whatever minibatch arrives"); learners use M to rescale the value for the
actual minibatch size N (learning rates: lr/M, momentums: m**(N/M)).
"""
from __future__ import annotations

import enum
import math
import numbers
import warnings
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

#: Reference-minibatch-size sentinel: "apply the value to the minibatch as it comes".
IGNORE: int = 0
#: Epoch-size sentinel: each schedule unit is one full sweep over the data.
FULL_DATA_SWEEP: int = 0


class UnitType(enum.Enum):
    """Legacy (CNTK < 2.2) unit of a schedule: values per ``sample`` or per ``minibatch``."""

    sample = 'sample'
    minibatch = 'minibatch'


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _is_count(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


class TrainingParameterSchedule:
    """A piecewise-constant schedule of one training hyper-parameter.

    ``schedule[i]`` is the value after ``i`` samples (or ``i`` sweeps for a sweep-based schedule).
    Construct schedules with `learning_parameter_schedule`, `momentum_schedule` and friends rather
    than directly.
    """

    ignored_minibatch_size: int = IGNORE
    full_data_sweep: int = FULL_DATA_SWEEP
    current_version: int = 2

    def __init__(self, pieces: Sequence[Tuple[int, float]], epoch_size: int = FULL_DATA_SWEEP,
                 minibatch_size: int = IGNORE, explicit: bool = False) -> None:
        pieces = [(int(c), float(v)) for c, v in pieces]
        if not pieces:
            raise RuntimeError('a training parameter schedule must not be empty')
        for i, (count, _) in enumerate(pieces):
            # A zero count is tolerated only on the last piece (it lasts forever anyway).
            if count < 0 or (count == 0 and i != len(pieces) - 1):
                raise RuntimeError('the unit count of every schedule entry but the last must be positive, got %d' % count)
        if epoch_size is None:
            epoch_size = FULL_DATA_SWEEP
        if int(epoch_size) < 0:
            raise ValueError('epoch_size must not be negative, got %r' % (epoch_size,))
        self._pieces: List[Tuple[int, float]] = pieces
        self._epoch_size = int(epoch_size)
        self.minibatch_size: int = int(minibatch_size)
        self.is_minibatch_size_explicitly_specified: bool = bool(explicit)
        ends, acc = [], 0
        for count, _ in pieces:
            acc += count
            ends.append(acc)
        self._ends = ends

    # --- reading ----------------------------------------------------------------------
    @property
    def epoch_size(self) -> int:
        """Samples per schedule unit (0: one unit = one full data sweep)."""
        return self._epoch_size

    @property
    def pieces(self) -> List[Tuple[int, float]]:
        """The ``(count, value)`` pieces (a copy)."""
        return list(self._pieces)

    def is_sweep_based(self) -> bool:
        """True when the schedule advances per data sweep instead of per ``epoch_size`` samples."""
        return self._epoch_size == FULL_DATA_SWEEP

    def value_at_unit(self, unit: int) -> float:
        """The value after ``unit`` whole schedule units have elapsed."""
        for end, (_, value) in zip(self._ends, self._pieces):
            if unit < end:
                return value
        return self._pieces[-1][1]

    def __getitem__(self, count: int) -> float:
        """The value after ``count`` samples (sweeps for a sweep-based schedule)."""
        count = int(count)
        if count < 0:
            raise OverflowError('a schedule position must not be negative, got %d' % count)
        unit = count if self.is_sweep_based() else count // self._epoch_size
        return self.value_at_unit(unit)

    def value(self, samples: int, sweeps: int) -> float:
        """The value used by a learner that has seen ``samples`` samples and ``sweeps`` sweeps."""
        return self[sweeps if self.is_sweep_based() else samples]

    def scaled_momentum(self, samples: int, sweeps: int, actual_minibatch_size: int) -> float:
        """A momentum-like value rescaled to the actual minibatch: m**(N/M) (m itself when M is 0)."""
        m = self.value(samples, sweeps)
        if self.minibatch_size == IGNORE or actual_minibatch_size == self.minibatch_size:
            return m
        exponent = actual_minibatch_size / self.minibatch_size
        if m >= 0:
            return float(m) ** exponent  # libm's pow, as np.power's
        with np.errstate(invalid='ignore'):  # a negative momentum: NaN, as in CNTK
            return float(np.power(m, exponent))

    # --- copying / persistence --------------------------------------------------------
    def _copy(self) -> "TrainingParameterSchedule":
        clone = TrainingParameterSchedule(self._pieces, self._epoch_size, self.minibatch_size,
                                          self.is_minibatch_size_explicitly_specified)
        return clone

    def serialize(self) -> dict:
        """The schedule as a plain dict (lists and numbers) that `deserialize` turns back."""
        return {'counts': [c for c, _ in self._pieces], 'values': [v for _, v in self._pieces],
                'epoch_size': self._epoch_size, 'minibatch_size': self.minibatch_size,
                'explicit': self.is_minibatch_size_explicitly_specified, 'version': self.current_version}

    @staticmethod
    def deserialize(state: dict) -> "TrainingParameterSchedule":
        """Rebuild a schedule written by `serialize`."""
        counts = [int(c) for c in np.asarray(state['counts']).ravel()]
        values = [float(v) for v in np.asarray(state['values']).ravel()]
        return TrainingParameterSchedule(list(zip(counts, values)), int(state['epoch_size']),
                                         int(state['minibatch_size']), bool(state['explicit']))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TrainingParameterSchedule) and self._pieces == other._pieces
                and self._epoch_size == other._epoch_size and self.minibatch_size == other.minibatch_size)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return 'TrainingParameterSchedule(%r, epoch_size=%d, minibatch_size=%d)' % (
            self._pieces, self._epoch_size, self.minibatch_size)


ScheduleLike = Union[float, Sequence[Any], TrainingParameterSchedule]


def _pieces_of(schedule: Sequence[Any]) -> List[Tuple[int, float]]:
    """Normalise a list of values and/or ``(count, value)`` pairs into pieces."""
    pieces = []
    for item in schedule:
        if _is_number(item):
            pieces.append((1, float(item)))
        elif isinstance(item, tuple) and len(item) == 2 and _is_number(item[1]):
            count, value = item
            if not _is_count(count):
                raise NotImplementedError('cntk.learners schedules: the unit count of a (count, value) pair must '
                                          'be an integer, got %r' % (count,))
            pieces.append((int(count), float(value)))
        else:
            raise ValueError('a schedule list holds numbers or (count, value) pairs, got %r' % (item,))
    return pieces


def _build(schedule: Any, minibatch_size: int, epoch_size: Optional[int], explicit: bool,
           transform=None) -> TrainingParameterSchedule:
    if _is_number(schedule):
        if epoch_size is not None:
            warnings.warn('When providing the schedule as a number, epoch_size is ignored', RuntimeWarning)
        value = float(schedule) if transform is None else transform(float(schedule))
        return TrainingParameterSchedule([(1, value)], FULL_DATA_SWEEP, minibatch_size, explicit)
    if isinstance(schedule, list):
        pieces = _pieces_of(schedule)
        if transform is not None:
            pieces = [(c, transform(v)) for c, v in pieces]
        return TrainingParameterSchedule(pieces, FULL_DATA_SWEEP if epoch_size is None else epoch_size,
                                         minibatch_size, explicit)
    raise ValueError('schedule must be either a float or a list, not %s' % type(schedule))


def learning_parameter_schedule(schedule: ScheduleLike, minibatch_size: Optional[int] = None,
                                epoch_size: Optional[int] = None) -> TrainingParameterSchedule:
    """A learning-rate (or any training-parameter) schedule.

    ``schedule`` is a number (constant), a list of values each lasting ``epoch_size`` samples, or
    a list of ``(count, value)`` pairs lasting ``count * epoch_size`` samples; the last value
    persists. Without ``epoch_size`` a list advances once per full data sweep.
    ``minibatch_size`` is the minibatch size the values were tuned for: the learner applies
    ``value / minibatch_size`` to the summed gradient. Left as None (IGNORE), the value applies to
    the mean gradient of whatever minibatch arrives. A schedule object is returned unchanged.
    """
    if isinstance(schedule, TrainingParameterSchedule):
        return schedule
    explicit = minibatch_size is not None
    return _build(schedule, 0 if minibatch_size is None else int(minibatch_size), epoch_size, explicit)


def learning_parameter_schedule_per_sample(schedule: ScheduleLike,
                                           epoch_size: Optional[int] = None) -> TrainingParameterSchedule:
    """A schedule whose values apply per sample (reference minibatch size 1): lr × summed gradient."""
    return learning_parameter_schedule(schedule, minibatch_size=1, epoch_size=epoch_size)


def training_parameter_schedule(schedule: ScheduleLike, unit: UnitType = UnitType.minibatch,
                                epoch_size: Optional[int] = None) -> TrainingParameterSchedule:
    """Legacy schedule with a `UnitType`: ``sample`` = per-sample values, ``minibatch`` = per-minibatch.

    Deprecated in CNTK 2.2 in favour of `learning_parameter_schedule` with ``minibatch_size``.
    An existing schedule object is returned (marked as having an explicit minibatch size).
    """
    unit = UnitType(unit)
    ref = 1 if unit == UnitType.sample else IGNORE
    if isinstance(schedule, TrainingParameterSchedule):
        schedule.is_minibatch_size_explicitly_specified = True
        return schedule
    return _build(schedule, ref, epoch_size, True)


def learning_rate_schedule(lr: ScheduleLike, unit: UnitType,
                           epoch_size: Optional[int] = None) -> TrainingParameterSchedule:
    """Legacy learning-rate schedule (same as `training_parameter_schedule`); deprecated in CNTK 2.2."""
    return training_parameter_schedule(lr, unit, epoch_size)


def momentum_schedule(momentum: ScheduleLike, epoch_size: Optional[int] = None,
                      minibatch_size: Optional[int] = None) -> TrainingParameterSchedule:
    """A momentum schedule. With ``minibatch_size`` M the momentum m is meant per M samples and a
    minibatch of N samples uses m**(N/M); without it, m applies to every minibatch as is."""
    return learning_parameter_schedule(momentum, minibatch_size, epoch_size)


def momentum_schedule_per_sample(momentum: ScheduleLike,
                                 epoch_size: Optional[int] = None) -> TrainingParameterSchedule:
    """A momentum schedule per single sample: a minibatch of N samples uses m**N."""
    return momentum_schedule(momentum, minibatch_size=1, epoch_size=epoch_size)


def _time_constant_to_momentum(time_constant: float) -> float:
    return 0.0 if time_constant == 0 else math.exp(-1.0 / time_constant)


def momentum_as_time_constant_schedule(momentum: ScheduleLike,
                                       epoch_size: Optional[int] = None) -> TrainingParameterSchedule:
    """Momentum given as a time constant T in samples: a minibatch of N samples uses exp(-N/T).

    T = 0 means no momentum. The returned schedule holds the per-sample momentum exp(-1/T)
    with reference minibatch size 1 (so ``schedule[i]`` reads exp(-1/T)).
    """
    if isinstance(momentum, TrainingParameterSchedule):
        momentum.is_minibatch_size_explicitly_specified = True
        return momentum
    if not (_is_number(momentum) or isinstance(momentum, list)):
        raise ValueError('momentum must be either a float or a list, not %s' % type(momentum))
    return _build(momentum, 1, epoch_size, True, transform=_time_constant_to_momentum)


__all__ = ['IGNORE', 'FULL_DATA_SWEEP', 'UnitType', 'TrainingParameterSchedule', 'learning_parameter_schedule',
           'learning_parameter_schedule_per_sample', 'training_parameter_schedule', 'learning_rate_schedule',
           'momentum_schedule', 'momentum_schedule_per_sample', 'momentum_as_time_constant_schedule']
