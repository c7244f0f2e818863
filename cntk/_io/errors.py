"""Exceptions raised by the data layer."""
from __future__ import annotations

from typing import Optional


class CTFFormatError(ValueError):
    """A CNTK Text Format file does not follow the grammar.

    The message names the file, the 1-based line number and what was expected there.
    ``filename``, ``line`` and ``reason`` are also available as attributes.
    """

    def __init__(self, filename: str, line: Optional[int], reason: str) -> None:
        self.filename = filename
        self.line = line
        self.reason = reason
        where = "%s, line %d" % (filename, line) if line is not None else filename
        super().__init__("%s: %s" % (where, reason))


class CTFWarning(UserWarning):
    """A recoverable irregularity in a CTF file (e.g. a dense sample with too few values)."""
