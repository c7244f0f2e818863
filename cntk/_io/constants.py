"""Sentinel values and defaults shared by the readers."""
from __future__ import annotations

import enum

#: ``max_samples`` / ``max_sweeps`` value meaning "never stop" (2**64 - 1).
INFINITELY_REPEAT: int = 2 ** 64 - 1
#: ``max_samples`` value meaning "exactly one pass over the data" (2**64 - 2).
FULL_DATA_SWEEP: int = 2 ** 64 - 2
#: Default randomization window, counted in chunks.
DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS: int = 128
#: Size of one chunk of a text file (bytes); the randomizer moves whole chunks.
CTF_CHUNK_BYTES: int = 32 * 1024 * 1024


class TraceLevel(enum.IntEnum):
    """Verbosity of the reader's diagnostics."""

    Error = 0
    Warning = 1
    Info = 2
