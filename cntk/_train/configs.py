"""The configurations a training session takes: checkpoints, cross-validation and the final test,
and wrapping in-memory data as a minibatch source."""
from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, Optional, Tuple

from .schedules import END_OF_TRAINING, DataUnit, as_minibatch_size_schedule, unpack_frequency


def _deprecated(message: str) -> None:
    warnings.warn('DEPRECATED: ' + message, DeprecationWarning, stacklevel=3)


def _renamed_arguments(minibatch_source: Any, minibatch_size: Any, source: Any, mb_size: Any) -> Tuple[Any, Any]:
    """The values of ``minibatch_source`` / ``minibatch_size``, taking their deprecated names into account."""
    if source is not None:
        _deprecated('"source" parameter is deprecated, please use "minibatch_source" instead')
        minibatch_source = source
    if mb_size is not None:
        _deprecated('"mb_size" parameter is deprecated, please use "minibatch_size" instead')
        minibatch_size = mb_size
    return minibatch_source, minibatch_size


def is_minibatch_source(source: Any) -> bool:
    """True for reader objects (anything with ``next_minibatch``), False for in-memory data."""
    return hasattr(source, 'next_minibatch')


def wrap_data(source: Any, mapping: Optional[Dict[Any, Any]], criterion: Any,
              infinitely_repeat: bool = True) -> Tuple[Any, Optional[Dict[Any, Any]]]:
    """In-memory data (a tuple of arrays in the criterion's argument order) as a minibatch source and
    its input map; a reader is returned as it is."""
    if source is None or is_minibatch_source(source):
        return source, mapping
    from .._io.from_data import MinibatchSourceFromData
    from .._io.constants import INFINITELY_REPEAT
    if isinstance(source, dict):
        raise ValueError('data must be a numpy.array or scipy.sparse.csr_matrix, or a tuple of them in the order of '
                         'the criterion\'s arguments (a dict is not accepted)')
    args = source if isinstance(source, tuple) else (source,)
    if criterion is None:
        raise ValueError('when passing data directly in place of a minibatch source, criterion must be given')
    params = criterion.arguments
    if len(params) != len(args):
        raise ValueError('to pass data directly in place of a minibatch source, pass a tuple of %d numpy or scipy '
                         'arrays, in the order of the arguments of the criterion function (%s). You passed %d value(s)'
                         % (len(params), ', '.join(p.name or p.uid for p in params), len(args)))
    if mapping is not None:
        raise ValueError('mapping must not be provided when data is passed directly')
    names = [p.name or 'stream_%d' % i for i, p in enumerate(params)]
    if len(set(names)) != len(names):
        names = ['stream_%d' % i for i in range(len(params))]
    max_samples = INFINITELY_REPEAT if infinitely_repeat else len(args[0]) if hasattr(args[0], '__len__') \
        else args[0].shape[0]
    wrapped = MinibatchSourceFromData({n: (a, p) for n, a, p in zip(names, args, params)},
                                      max_samples=max_samples)
    return wrapped, {p: wrapped.streams[n] for p, n in zip(params, names)}


class CheckpointConfig:
    """Save a checkpoint (model + ``.ckp`` state) every ``frequency`` samples during a training session.

    Args:
        filename: the checkpoint's file name.
        frequency: samples (or ``(n, DataUnit)``) between checkpoints; None: one at the end.
        restore: resume from an existing checkpoint before training.
        preserve_all: also keep every checkpoint as ``filename<index>`` (and the last as ``filename``).
    """

    def __init__(self, filename: Optional[str], frequency: Any = None, restore: bool = True,
                 preserve_all: bool = False) -> None:
        frequency, unit = unpack_frequency(frequency)
        if filename is None:
            if frequency:
                raise ValueError('Checkpoint frequency cannot be specified without checkpoint_filename')
            frequency, filename = 0, ''
        self.filename = filename
        self.frequency = END_OF_TRAINING if frequency is None else frequency
        self.frequency_unit = unit
        self.restore = restore
        self.preserve_all = preserve_all


class CrossValidationConfig:
    """Evaluate on validation data every ``frequency`` samples during a training session.

    Args:
        minibatch_source: the validation reader (or a tuple of arrays, with ``criterion``).
        frequency: samples (or ``(n, DataUnit)``) between evaluations; None: once at the end.
        minibatch_size: an int or a `minibatch_size_schedule`.
        callback: ``callback(index, average_error, num_samples, num_minibatches)``; returning False
            stops training.
        max_samples: evaluate at most this many samples each time (None: all).
        model_inputs_to_streams: input map for the validation reader (default: the training one).
        criterion: the criterion, needed when ``minibatch_source`` is in-memory data.
        source, mb_size: deprecated names of ``minibatch_source`` and ``minibatch_size``.
    """

    def __init__(self, minibatch_source: Any = None, frequency: Any = None, minibatch_size: Any = 32,
                 callback: Optional[Callable[..., bool]] = None, max_samples: Optional[int] = None,
                 model_inputs_to_streams: Optional[Dict[Any, Any]] = None, criterion: Any = None, source: Any = None,
                 mb_size: Any = None) -> None:
        minibatch_source, minibatch_size = _renamed_arguments(minibatch_source, minibatch_size, source, mb_size)
        frequency, unit = unpack_frequency(frequency)
        if minibatch_source is None and callback is None:
            if frequency:
                raise ValueError('Either minibatch_source of callback should be specified.')
            frequency = 0
        self.callback = callback
        self.frequency = END_OF_TRAINING if frequency is None else frequency
        self.frequency_unit = unit
        self.minibatch_size = as_minibatch_size_schedule(minibatch_size if minibatch_size is not None else 1)
        self.max_samples = END_OF_TRAINING if max_samples is None else max_samples
        self.source, self.model_inputs_to_streams = wrap_data(minibatch_source, model_inputs_to_streams, criterion,
                                                              infinitely_repeat=False)


class TestConfig:
    """Evaluate on test data once training has finished.

    Args:
        minibatch_source: the test reader (or a tuple of arrays, with ``criterion``).
        minibatch_size: an int or a `minibatch_size_schedule`.
        model_inputs_to_streams: input map for the test reader (default: the training one).
        criterion: the criterion, needed when ``minibatch_source`` is in-memory data.
        source, mb_size: deprecated names of ``minibatch_source`` and ``minibatch_size``.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, minibatch_source: Any = None, minibatch_size: Any = 32,
                 model_inputs_to_streams: Optional[Dict[Any, Any]] = None, criterion: Any = None, source: Any = None,
                 mb_size: Any = None) -> None:
        minibatch_source, minibatch_size = _renamed_arguments(minibatch_source, minibatch_size, source, mb_size)
        self.minibatch_size = as_minibatch_size_schedule(minibatch_size)
        self.source, self.model_inputs_to_streams = wrap_data(minibatch_source, model_inputs_to_streams, criterion,
                                                              infinitely_repeat=False)


__all__ = ['CheckpointConfig', 'CrossValidationConfig', 'TestConfig', 'DataUnit', 'wrap_data', 'is_minibatch_source']
