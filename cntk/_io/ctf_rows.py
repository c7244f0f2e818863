"""The rows of a block of CTF lines, and their grouping into sequences.

Both CTF parsers (the vectorised one in ``ctf_fast`` and the exact per-line one in
``ctf_exact``) turn a block of whole lines into `Rows`: the valid rows with their line numbers
and sequence ids, and per declared stream the row of every sample and its values. `group_rows`
then applies CNTK's sequence rules (see ``ctf_parser``) and builds the `ChunkData` of a chunk.
"""
from __future__ import annotations

import warnings
from typing import Dict, List, Optional, Tuple

import numpy as np

from .errors import CTFFormatError, CTFWarning
from .store import Column
from .streams import StreamDef, sample_shape

NO_ID = -1


class Field:
    """A declared stream as the parsers see it: its ``|name`` in the file, shape and kind."""

    __slots__ = ("stream", "name", "shape", "dim", "sparse")

    def __init__(self, stream: str, sd: StreamDef) -> None:
        self.stream = stream
        self.name = sd["field"] if sd.get("field") is not None else stream
        if sd.get("shape") is None:
            raise ValueError("StreamDef for %r needs a shape (the sample dimension)" % stream)
        self.shape = sample_shape(sd["shape"])
        self.dim = int(np.prod(self.shape))
        self.sparse = bool(sd.get("is_sparse", False))


def fields_of(streams: Dict[str, StreamDef]) -> Dict[str, Field]:
    """`Field` by ``|name`` for the declared streams (two streams may not read the same name)."""
    fields: Dict[str, Field] = {}
    for name, sd in streams.items():
        f = Field(name, sd)
        if f.name in fields:
            raise ValueError("streams %r and %r both read the field |%s" % (fields[f.name].stream, name, f.name))
        fields[f.name] = f
    return fields


def to_float32(values: np.ndarray) -> np.ndarray:
    """float32 copy of parsed numbers; those beyond float32's range become +-inf (as in CNTK)."""
    with np.errstate(over="ignore"):
        return values.astype(np.float32)


class Samples:
    """The samples of one stream in a block of rows.

    ``rows``: the row (index into `Rows`) of each sample, ascending. Dense streams: ``values``
    ``[n, dim]`` float32 (None when only the rows were wanted). Sparse streams: ``counts``
    (entries per sample), ``indices``, ``data``.
    """

    __slots__ = ("rows", "values", "counts", "indices", "data")

    def __init__(self, rows: np.ndarray, values: Optional[np.ndarray] = None, counts: Optional[np.ndarray] = None,
                 indices: Optional[np.ndarray] = None, data: Optional[np.ndarray] = None) -> None:
        self.rows = rows
        self.values = values
        self.counts = counts
        self.indices = indices
        self.data = data

    def __len__(self) -> int:
        return len(self.rows)


class Rows:
    """The valid rows of a block: ``lines`` (1-based line numbers), ``ids`` (`NO_ID` where the row has
    none) and `Samples` by stream name."""

    def __init__(self, lines: np.ndarray, ids: np.ndarray, samples: Dict[str, Samples]) -> None:
        self.lines = lines
        self.ids = ids
        self.samples = samples

    def __len__(self) -> int:
        return len(self.lines)

    @staticmethod
    def concat(parts: List["Rows"]) -> "Rows":
        """The rows of several consecutive blocks."""
        if len(parts) == 1:
            return parts[0]
        base = np.cumsum([0] + [len(p) for p in parts[:-1]])
        samples: Dict[str, Samples] = {}
        for name, first in parts[0].samples.items():
            got = [p.samples[name] for p in parts]
            rows = np.concatenate([g.rows + b for g, b in zip(got, base)])
            if first.counts is None:                  # dense
                values = [g.values for g in got if g.values is not None]
                samples[name] = Samples(rows, values=np.concatenate(values) if len(values) == len(got) else None)
            else:
                samples[name] = Samples(rows, counts=np.concatenate([g.counts for g in got]),
                                        indices=np.concatenate([g.indices for g in got]),
                                        data=np.concatenate([g.data for g in got]))
        return Rows(np.concatenate([p.lines for p in parts]), np.concatenate([p.ids for p in parts]), samples)


class Diagnostics:
    """Counts malformed input against ``max_errors`` and holds warnings until their rows are kept.

    `error` raises `CTFFormatError` once more than ``max_errors`` errors were seen; below that the
    row is skipped with a warning. A block's rows past its cut are parsed again with the next
    block, so `commit` emits only what happened before the cut and forgets the rest. A silent
    instance (``silent=True``) neither warns nor raises: it is used when a chunk is parsed again.
    """

    def __init__(self, filename: str, max_errors: int, silent: bool = False) -> None:
        self.filename = filename
        self.max_errors = max_errors
        self.silent = silent
        self.errors = 0
        self._pending: List[Tuple[int, bool, str]] = []      # (line, is_error, message)

    def error(self, line: Optional[int], reason: str) -> None:
        """A malformed row or sequence: raise, or skip it with a warning while within ``max_errors``."""
        if self.silent:
            return
        self.errors += 1
        if self.errors > self.max_errors:
            self.fail(CTFFormatError(self.filename, line, reason))
        self._pending.append((line or 0, True, "%s, line %s: %s (row skipped)" % (self.filename, line, reason)))

    def fail(self, error: CTFFormatError) -> None:
        """Raise ``error``, first reporting what happened on earlier lines."""
        self.commit(error.line)
        raise error

    def warn(self, line: int, message: str) -> None:
        """A recoverable irregularity."""
        if not self.silent:
            self._pending.append((line, False, "%s, line %d: %s" % (self.filename, line, message)))

    def summarize(self) -> None:
        """Warn how many rows or sequences were skipped, if any."""
        if self.errors and not self.silent:
            warnings.warn("%s: %d malformed row(s) or sequence(s) skipped (max_errors=%d)"
                          % (self.filename, self.errors, self.max_errors), CTFWarning, stacklevel=4)

    def commit(self, before_line: Optional[int] = None) -> None:
        """Emit what happened before ``before_line`` (everything when None) and forget the rest."""
        for line, is_error, message in self._pending:
            if before_line is None or line < before_line:
                warnings.warn(message, CTFWarning, stacklevel=4)
            elif is_error:
                self.errors -= 1
        self._pending = []


class ChunkData:
    """The sequences of one chunk: a `Column` per stream (by stream name) and the sequence ``keys``."""

    def __init__(self, columns: Dict[str, Column], keys: np.ndarray) -> None:
        self.columns = columns
        self.keys = keys
        self.num_sequences = len(keys)


class Grouping:
    """How `group_rows` cut a block: the chunk, and where the unused rest starts."""

    def __init__(self, chunk: Optional[ChunkData], implicit: Optional[bool], rest_line: Optional[int]) -> None:
        self.chunk = chunk
        self.implicit = implicit
        self.rest_line = rest_line      # first line of the rows left for the next block (None: all used)


def group_rows(rows: Rows, fields: Dict[str, Field], implicit: Optional[bool], final: bool,
               diag: Diagnostics) -> Grouping:
    """Group rows into sequences (CNTK's rules) and build the chunk.

    ``implicit``: whether the file has no sequence ids (None until its first row is seen).
    Unless ``final``, the last sequence may continue in the next block: it is left out and
    ``rest_line`` says where it starts (``chunk`` is None when the block holds only that sequence).
    """
    n = len(rows)
    if n == 0:
        return Grouping(_empty_chunk(fields), implicit, None)
    ids = rows.ids
    if implicit is None:
        implicit = bool(ids[0] == NO_ID)
    if implicit:
        starts = np.arange(n)
        keys = rows.lines - 1
    else:
        has_id = ids != NO_ID
        last = np.maximum.accumulate(np.where(has_id, np.arange(n), -1))
        prev = np.empty(n, np.int64)
        prev[0] = NO_ID
        prev[1:] = np.where(last[:-1] >= 0, ids[last[:-1]], NO_ID)
        new = has_id & (ids != prev)
        new[0] = True
        starts = np.flatnonzero(new)
        keys = ids[starts]
    rest_line = None
    if not final:
        if len(starts) < 2:
            return Grouping(None, implicit, int(rows.lines[0]))
        rest_line = int(rows.lines[starts[-1]])
        n = int(starts[-1])
        starts, keys = starts[:-1], keys[:-1]
    nseq = len(starts)
    seq_of_row = np.zeros(n, np.int64)
    seq_of_row[starts[1:]] = 1
    np.cumsum(seq_of_row, out=seq_of_row)
    seq_lines = rows.lines[starts]

    columns: Dict[str, Column] = {}
    keep = np.ones(nseq, bool)
    for f in fields.values():
        s = rows.samples[f.stream]
        used = int(np.searchsorted(s.rows, n)) if rest_line is not None else len(s)
        lengths = np.bincount(seq_of_row[s.rows[:used]], minlength=nseq)
        for i in np.flatnonzero(lengths == 0):
            diag.error(int(seq_lines[i]), "stream |%s has no sample in sequence (id = %d); every declared stream must"
                                          " appear at least once in every sequence" % (f.name, keys[i]))
            keep[i] = False
        columns[f.stream] = _column(f, s, used, lengths)
    chunk = ChunkData(columns, keys)
    if not keep.all():
        idx = np.flatnonzero(keep)
        chunk = ChunkData({k: c.take(idx) for k, c in columns.items()}, keys[idx])
    return Grouping(chunk, implicit, rest_line)


def _column(f: Field, s: Samples, used: int, lengths: np.ndarray) -> Column:
    if not f.sparse:
        return Column(f.shape, False, lengths, values=None if s.values is None else s.values[:used])
    indptr = np.zeros(used + 1, np.int64)
    np.cumsum(s.counts[:used], out=indptr[1:])
    nnz = int(indptr[-1])
    return Column(f.shape, True, lengths, indptr=indptr, indices=s.indices[:nnz], data=s.data[:nnz])


def _empty_chunk(fields: Dict[str, Field]) -> ChunkData:
    empty = np.zeros(0, np.int64)
    columns = {f.stream: _column(f, Samples(empty, values=np.zeros((0, f.dim), np.float32), counts=empty,
                                            indices=empty, data=np.zeros(0, np.float32)), 0, empty)
               for f in fields.values()}
    return ChunkData(columns, empty)
