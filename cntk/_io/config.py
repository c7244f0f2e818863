"""`MinibatchSourceConfig`: CNTK's low-level description of a composite minibatch source.

CNTK 2.7 exposes it as ``cntk.cntk_py.MinibatchSourceConfig``; ``cntk.cntk_py.to_dictionary``
validates a configuration and shows it as the dictionary the reader is built from, and
``cntk.cntk_py.create_composite_minibatch_source`` turns it into a `MinibatchSource`.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from .constants import DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS, INFINITELY_REPEAT, TraceLevel


class OptionalBool:
    """A boolean that may be unset (CNTK's ``Optional<bool>``, used for ``is_multithreaded``)."""

    def __init__(self) -> None:
        self._value: Optional[bool] = None

    def set(self, value: bool) -> None:
        """Give the option a value."""
        self._value = bool(value)

    def get(self) -> bool:
        """The value; RuntimeError while unset."""
        if self._value is None:
            raise RuntimeError("Optional value is not initialized.")
        return self._value

    def is_initialized(self) -> bool:
        """Whether a value was set."""
        return self._value is not None

    def reset(self) -> None:
        """Forget the value."""
        self._value = None

    def __repr__(self) -> str:
        return "OptionalBool(%s)" % ("unset" if self._value is None else self._value)


class MinibatchSourceConfig:
    """Settings of a minibatch source over ``deserializers`` (CNTK's ``cntk_py.MinibatchSourceConfig``).

    Args:
        deserializers: list of deserializers (e.g. `CTFDeserializer`) whose streams are joined.
        randomize: when False, both randomization windows start at 0 (no shuffling).

    The attributes mirror CNTK's and may be assigned freely; conflicting values are reported
    when the configuration is used (`validate`): ``max_samples`` and ``max_sweeps`` cannot both
    be set, nor both randomization windows, nor frame mode together with truncation.
    """

    def __init__(self, deserializers: List[Any], randomize: bool = True) -> None:
        if not isinstance(deserializers, (list, tuple)):
            raise TypeError("MinibatchSourceConfig: deserializers must be a list, got %r"
                            % (type(deserializers).__name__,))
        self.deserializers: List[Any] = list(deserializers)
        self.max_samples: int = INFINITELY_REPEAT
        self.max_sweeps: int = INFINITELY_REPEAT
        self.randomization_window_in_chunks: int = DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS if randomize else 0
        self.randomization_window_in_samples: int = 0
        self.randomization_seed: int = 0
        self.trace_level: int = int(TraceLevel.Warning)
        self.truncation_length: int = 0
        self.is_frame_mode_enabled: bool = False
        self.max_errors: int = 0
        self._multithreaded = OptionalBool()

    @property
    def is_multithreaded(self) -> OptionalBool:
        """Whether deserialization may use several threads (an `OptionalBool`: ``.set(True)``)."""
        return self._multithreaded

    @property
    def is_randomized(self) -> bool:
        """Whether one of the randomization windows is non-zero."""
        return bool(self.randomization_window_in_chunks or self.randomization_window_in_samples)

    def validate(self) -> None:
        """Raise RuntimeError (as CNTK does) when the settings contradict each other."""
        if self.max_samples != INFINITELY_REPEAT and self.max_sweeps != INFINITELY_REPEAT:
            raise RuntimeError("MinibatchSourceConfig: max samples and max sweeps are mutually exclusive options "
                               "and cannot have non-default values at the same time.")
        if self.randomization_window_in_chunks and self.randomization_window_in_samples:
            raise RuntimeError("MinibatchSourceConfig: randomization window in chunks and randomization window in "
                               "samples are mutually exclusive options and cannot have non-zero values at the same "
                               "time.")
        if self.is_frame_mode_enabled and self.truncation_length:
            raise RuntimeError("MinibatchSourceConfig: truncation and frame mode are mutually exclusive options.")
        if self.max_samples == 0:
            raise RuntimeError("MinibatchSourceConfig: max_samples (the epoch size) cannot be 0.")

    def __repr__(self) -> str:
        return "MinibatchSourceConfig(%d deserializers)" % len(self.deserializers)


def to_dictionary(config: MinibatchSourceConfig) -> Dict[str, Any]:
    """Validate ``config`` and return the reader settings it stands for, keyed as CNTK keys them.

    Always present: ``deserializers``, ``frameMode``, ``multiThreadedDeserialization``,
    ``traceLevel``, ``randomize``; with randomization also ``randomizationWindow``,
    ``sampleBasedRandomizationWindow`` and ``randomizationSeed``; with truncation
    ``truncated`` and ``truncationLength``; ``maxErrors`` when non-zero.
    """
    if not isinstance(config, MinibatchSourceConfig):
        raise TypeError("to_dictionary: expected a MinibatchSourceConfig, got %r" % (type(config).__name__,))
    config.validate()
    mt = config.is_multithreaded
    d: Dict[str, Any] = {
        "deserializers": list(config.deserializers),
        "frameMode": bool(config.is_frame_mode_enabled),
        "multiThreadedDeserialization": mt.get() if mt.is_initialized() else False,
        "traceLevel": int(config.trace_level),
        "randomize": config.is_randomized,
    }
    if config.is_randomized:
        by_samples = bool(config.randomization_window_in_samples)
        d["randomizationWindow"] = int(config.randomization_window_in_samples if by_samples
                                       else config.randomization_window_in_chunks)
        d["sampleBasedRandomizationWindow"] = by_samples
        d["randomizationSeed"] = int(config.randomization_seed)
    if config.truncation_length:
        d["truncated"] = True
        d["truncationLength"] = int(config.truncation_length)
    if config.max_errors:
        d["maxErrors"] = int(config.max_errors)
    return d


def create_composite_minibatch_source(config: MinibatchSourceConfig) -> Any:
    """A `MinibatchSource` built from ``config``."""
    from .source import MinibatchSource
    return MinibatchSource(config)
