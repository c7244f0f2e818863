"""CNTK Text Format (CTF) reader: a file -> chunks of whole sequences, read in one streaming pass.

Grammar (one physical line = one row)::

    row     := [seq_id] ( '|' name values )* ( '|#' comment )*      (comments end at the next '|')
    seq_id  := unsigned decimal integer
    values  := dense numbers  |  sparse  index:value  pairs
    number  := [+-]digits[.digits][(e|E)[+-]digits]

Rules implemented (all observed on CNTK 2.7):

* If the first row has no sequence id, every row is a sequence of its own (ids are then
  ignored). Otherwise a row without an id continues the current sequence, and a row whose id
  differs from the previous row's starts a new sequence (ids group consecutive rows only).
* Each ``|name`` on a row is one sample of that stream; a stream may appear at most once per
  row; streams that are not declared are skipped; streams may have different lengths
  within a sequence, but every declared stream needs at least one sample per sequence.
* Dense samples hold at most ``dim`` numbers; fewer are zero-filled (with a warning).
* Sparse samples are ``index:value`` pairs with ``0 <= index < dim``; repeated indices add up;
  a sparse stream with no pairs is an all-zero sample.
* Blank rows and rows holding nothing but comments are errors.

The file is read ``CTF_CHUNK_BYTES`` at a time; each block is cut after its last whole sequence
and the rest is carried into the next block, so a chunk always holds whole sequences. Blocks are
parsed in slices of `SLICE_BYTES` by the vectorised parser (``ctf_fast``); a slice it declines
(anything unusual) is parsed by the exact parser (``ctf_exact``), which reports malformed input
with file, line, stream and what was expected. The pass keeps the first chunks' data up to the
store's capacity and an index of all sequences; other chunks are parsed again when needed.
"""
from __future__ import annotations

import os
import threading
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np

from . import constants
from .ctf_exact import parse_rows_exact
from .ctf_fast import FieldNames, parse_rows_fast
from .ctf_rows import ChunkData, Diagnostics, Field, Rows, fields_of, group_rows
from .errors import CTFFormatError, CTFWarning
from .heap import settle_heap
from .numparse import PADDING, ByteBuffer
from .store import Block, SequenceStore
from .streams import StreamDef

__all__ = ["CTFWarning", "load_ctf", "parse_ctf_text", "SLICE_BYTES"]

#: bytes handed to the vectorised parser at once (small enough for its arrays to stay in cache)
SLICE_BYTES = 256 * 1024

class _ChunkPlace:
    """Where a chunk lies in its file, to parse it again."""

    __slots__ = ("offset", "size", "first_line", "implicit")

    def __init__(self, offset: int, size: int, first_line: int, implicit: bool) -> None:
        self.offset = offset
        self.size = size
        self.first_line = first_line
        self.implicit = implicit


class _Parser:
    """Parses blocks of whole lines of one file for one set of declared streams."""

    def __init__(self, filename: str, streams: Dict[str, StreamDef]) -> None:
        self.filename = filename
        self.fields: Dict[str, Field] = fields_of(streams)
        self.names = FieldNames(self.fields)
        self._reparse_buffer: Optional[ByteBuffer] = None
        self._reparse_lock = threading.Lock()
        settle_heap()

    def rows(self, buf: ByteBuffer, lo: int, hi: int, first_line: int, diag: Diagnostics,
             values: bool = True) -> Tuple[Rows, int]:
        """`Rows` of the whole lines in ``buf.raw[lo:hi]`` (the last one ends with a newline), and
        how many lines that was (``values=False``: dense numbers need not be converted)."""
        raw = buf.raw
        parts: List[Rows] = []
        pos, line = lo, first_line
        while pos < hi:
            stop = raw.rfind(b"\n", pos, pos + SLICE_BYTES) + 1 if pos + SLICE_BYTES < hi else hi
            if stop <= pos:                                  # a line longer than a slice
                stop = raw.find(b"\n", pos + SLICE_BYTES, hi) + 1 or hi
            rows = parse_rows_fast(buf, pos, stop, line, self.names, values)
            if rows is not None:
                line += len(rows)                            # every line is a row there
            else:
                try:
                    rows = parse_rows_exact(self._decode(raw, pos, stop, line), line, self.fields, diag)
                except CTFFormatError as e:
                    diag.fail(e)
                line += raw.count(b"\n", pos, stop)
            parts.append(rows)
            pos = stop
        rows = Rows.concat(parts) if parts else parse_rows_exact("", first_line, self.fields, diag)
        return rows, line - first_line

    def _decode(self, raw: bytearray, lo: int, hi: int, first_line: int) -> str:
        try:
            return raw[lo:hi].decode("utf-8")
        except UnicodeDecodeError as e:
            line = first_line + raw.count(b"\n", lo, lo + e.start)
            raise CTFFormatError(self.filename, line, "the file is not valid UTF-8 text") from None

    def chunks(self, diag: Diagnostics, chunk_bytes: int, keep: int) -> Iterator[Tuple[_ChunkPlace, ChunkData]]:
        """Read the file block by block and yield its chunks (each holding whole sequences).

        Only the first ``keep`` chunks come with their dense numbers; the others are indexed
        (the numbers are converted when they are parsed again).
        """
        implicit: Optional[bool] = None
        yielded = 0
        buf: Optional[ByteBuffer] = None
        carry, offset, line, want = b"", 0, 1, chunk_bytes
        with open(self.filename, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            while True:
                room = len(carry) + min(want, max(size - fh.tell(), 0) + 1)    # no bigger than the file needs
                if buf is None or buf.capacity < room:
                    buf = ByteBuffer(room + room // 8)                         # room for the next carries
                buf.load(carry)
                final = buf.read(fh, want) < want
                if final:
                    buf.end_line()
                whole = buf.raw.rfind(b"\n", PADDING, buf.end) + 1
                if whole == 0:                                # no whole line yet
                    if final:                                 # (an empty file)
                        return
                    carry, want = bytes(buf.raw[PADDING:buf.end]), 2 * want
                    continue
                rows, n_lines = self.rows(buf, PADDING, whole, line, diag, values=yielded < keep)
                grouping = group_rows(rows, self.fields, implicit, final, diag)
                implicit = grouping.implicit
                if grouping.chunk is None:                   # one unfinished sequence: read on
                    diag.commit(line)
                    carry, want = bytes(buf.raw[PADDING:buf.end]), 2 * want
                    continue
                diag.commit(grouping.rest_line)
                rest = grouping.rest_line if grouping.rest_line is not None else line + n_lines
                used = _line_start(buf.raw, whole, rest, line + n_lines)
                if grouping.chunk.num_sequences:
                    yield _ChunkPlace(offset, used - PADDING, line, bool(implicit)), grouping.chunk
                    yielded += 1
                if final:
                    return
                carry, offset, line, want = bytes(buf.raw[used:buf.end]), offset + used - PADDING, rest, chunk_bytes

    def reparse(self, place: _ChunkPlace) -> ChunkData:
        """Parse a chunk again (it was read before, so nothing is reported)."""
        with self._reparse_lock:                            # one reusable buffer
            buf = self._reparse_buffer
            if buf is None or buf.capacity < place.size:
                buf = self._reparse_buffer = ByteBuffer(place.size)
            buf.load(b"")
            with open(self.filename, "rb") as fh:
                fh.seek(place.offset)
                buf.read(fh, place.size)
            buf.end_line()
            diag = Diagnostics(self.filename, 0, silent=True)
            rows, _ = self.rows(buf, PADDING, buf.end, place.first_line, diag)
            chunk = group_rows(rows, self.fields, place.implicit, True, diag).chunk
        assert chunk is not None
        return chunk


def _line_start(raw: bytearray, whole: int, line: int, next_line: int) -> int:
    """Position in ``raw`` where line ``line`` starts; the whole lines end at ``whole``, where
    line ``next_line`` would start."""
    pos = whole
    for _ in range(next_line - line):
        pos = raw.rfind(b"\n", 0, pos - 1) + 1
    return pos


def load_ctf(filename: str, streams: Dict[str, StreamDef], max_errors: int = 0, capacity: int = 1,
             chunk_bytes: Optional[int] = None) -> SequenceStore:
    """Index a CTF file in one pass and return its `SequenceStore`.

    The first ``capacity`` chunks stay in memory; the others are parsed again when a reader needs
    them. ``chunk_bytes`` defaults to ``constants.CTF_CHUNK_BYTES``.
    """
    parser = _Parser(filename, streams)
    diag = Diagnostics(filename, max_errors)
    places: List[_ChunkPlace] = []
    keys: List[np.ndarray] = []
    lengths: Dict[str, List[np.ndarray]] = {f.stream: [] for f in parser.fields.values()}
    resident: Dict[int, Block] = {}
    for i, (place, chunk) in enumerate(parser.chunks(diag, chunk_bytes or constants.CTF_CHUNK_BYTES, capacity)):
        places.append(place)
        keys.append(chunk.keys)
        for name, col in chunk.columns.items():
            lengths[name].append(col.lengths)
        if i < capacity:
            resident[i] = chunk.columns
    diag.summarize()
    sizes = [len(k) for k in keys]
    shapes = {f.stream: (f.shape, f.sparse) for f in parser.fields.values()}
    return SequenceStore(_cat(keys), np.repeat(np.arange(len(sizes), dtype=np.int64), sizes),
                         {name: _cat(parts) for name, parts in lengths.items()}, shapes, sizes, resident,
                         lambda b: parser.reparse(places[b]).columns, capacity)


def _cat(parts: List[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def parse_ctf_text(text: str, streams: Dict[str, StreamDef], filename: str = "<string>",
                   max_errors: int = 0) -> ChunkData:
    """Parse CTF text (see the module docstring for the grammar) as one chunk."""
    parser = _Parser(filename, streams)
    diag = Diagnostics(filename, max_errors)
    buf = ByteBuffer.of(text.encode("utf-8"))
    buf.end_line()
    rows, _ = parser.rows(buf, PADDING, buf.end, 1, diag)
    chunk = group_rows(rows, parser.fields, None, True, diag).chunk
    diag.commit()
    assert chunk is not None
    return chunk
