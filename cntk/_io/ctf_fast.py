"""The vectorised CTF parser: a block of well-formed lines -> `Rows`, with NumPy over the whole block.

The block is scanned a few times as a byte array: separators (``|`` and newlines) and the
starts and ends of words come out of whole-array comparisons; stream names, sequence ids and
values are then handled per separator and per word, and numbers are converted by ``numparse``.
Nothing loops over characters or lines in Python.

It accepts only blocks it can read exactly like the exact parser (``ctf_exact``) and returns None
for anything else -- a malformed row, a dense sample with fewer values than its dimension (which
CNTK zero-fills with a warning), non-ASCII bytes or stray control characters -- so that the exact
parser reads that block and reports it precisely.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np

from .ctf_rows import NO_ID, Field, Rows, Samples
from .numparse import ByteBuffer, parse_floats, parse_sparse, parse_uints
from .store import concat_ranges

_NL, _BAR, _TAB, _CR, _HASH = 10, 124, 9, 13, 35
_LOW_BYTES = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)     # the first n bytes of a word


class FieldNames:
    """The declared ``|names`` packed into 64-bit words, for comparing many name tokens at once."""

    def __init__(self, fields: Dict[str, Field]) -> None:
        self.fields: List[Field] = list(fields.values())
        self._packed: List[Tuple[int, List[np.uint64]]] = []
        for f in self.fields:
            raw = f.name.encode("utf-8")
            words = [np.frombuffer(raw[i:i + 8].ljust(8, b"\0"), "<u8")[0] for i in range(0, len(raw), 8)]
            self._packed.append((len(raw), words))

    def label(self, buf: ByteBuffer, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Index of the declared field each name token names, -1 for other names."""
        length = ends - starts
        first = buf.words[starts] & _LOW_BYTES[np.minimum(length, 8)]
        label = np.full(len(starts), -1, np.int64)
        for i, (n, words) in enumerate(self._packed):
            hit = (first == words[0]) & (length == n)
            for k in range(1, len(words)):
                hit &= (buf.words[starts + 8 * k] & _LOW_BYTES[min(8, n - 8 * k)]) == words[k]
            label = np.where(hit, i, label)
        return label


def parse_rows_fast(buf: ByteBuffer, lo: int, hi: int, first_line: int, names: FieldNames,
                    values: bool = True) -> Optional[Rows]:
    """Parse the whole lines in ``buf.array[lo:hi]`` (the first is line ``first_line`` of the file).

    Returns None when the lines hold anything the exact parser must look at. With
    ``values=False`` dense numbers are counted but not converted (their samples get no
    ``values``): enough to index a chunk, since a bad number is an error wherever it is found.
    """
    a = buf.array
    x = a[lo:hi]
    newline = x == _NL
    n_lines = int(np.count_nonzero(newline))
    if n_lines == 0 or x[-1] != _NL:
        return None
    # only printable ASCII, tabs, newlines, and carriage returns right before a newline (read as blanks)
    odd = np.count_nonzero((x - np.uint8(32)) > 94)          # control characters and non-ASCII bytes
    allowed = n_lines + np.count_nonzero(x == _TAB)
    if odd != allowed:
        cr = np.flatnonzero(x == _CR) + lo
        if odd != allowed + len(cr) or (a[cr + 1] != _NL).any():
            return None
    y = a[lo - 1:hi]                                  # the byte before a line start is not part of a word
    word = (y > 32) & (y != _BAR)
    edge = word[1:] != word[:-1]                      # word starts and ends, alternating
    bounds = np.flatnonzero(edge) + lo
    spans = bounds.reshape(-1, 2)                     # [start, end) of each word
    word_start, word_end = spans[:, 0], spans[:, 1]
    sep = np.flatnonzero(newline | (x == _BAR)) + lo                   # '|' and newlines
    before = np.searchsorted(word_start, sep)                           # words before each separator
    words_after = np.empty(len(sep), np.int64)                          # words up to the next separator
    words_after[:-1] = before[1:] - before[:-1]
    words_after[-1] = len(word_start) - before[-1]
    at_nl = a.take(sep) == _NL
    nl_sep = np.flatnonzero(at_nl)
    bars = np.flatnonzero(~at_nl)
    bar_line = bars - np.arange(len(bars))            # newlines before each '|'

    # stream names: a word right after each '|'
    name = before[bars]                               # word index of the name
    if len(bars) and (words_after[bars].min() < 1 or (word_start[name] != sep[bars] + 1).any()):
        return None
    name_start, name_end = word_start[name], word_end[name]
    label = np.where(a.take(name_start) == _HASH, -2, names.label(buf, name_start, name_end))
    if not np.bincount(bar_line, weights=label != -2, minlength=n_lines).all():
        return None                                   # a row without any stream (blank, or comments only)

    # sequence ids: at most one word before the first separator of each line
    line_sep = np.empty(n_lines, np.int64)            # first separator of each line
    line_sep[0] = 0
    line_sep[1:] = nl_sep[:-1] + 1
    line_word = np.zeros(n_lines, np.int64)           # word index of each line's first word
    line_word[1:] = before[nl_sep[:-1]]
    head_words = before[line_sep] - line_word
    ids = np.full(n_lines, NO_ID, np.int64)
    if head_words.any():
        if head_words.max() > 1:
            return None
        has_id = np.flatnonzero(head_words)
        w = line_word[has_id]
        parsed = parse_uints(buf, word_start[w], word_end[w])
        if parsed is None:
            return None
        ids[has_id] = parsed

    dense: List[_Stream] = []
    sparse: List[_Stream] = []
    for i, f in enumerate(names.fields):
        which = np.flatnonzero(label == i)
        mine, rows = bars[which], bar_line[which]
        if len(rows) > 1 and not (rows[1:] > rows[:-1]).all():
            return None                               # the stream twice on one row
        (sparse if f.sparse else dense).append((f, rows, before[mine] + 1, words_after[mine] - 1))
    samples = _dense(buf, dense, spans, values) if dense else {}
    if samples is None:
        return None
    if sparse:
        more = _sparse(buf, sparse, spans)
        if more is None:
            return None
        samples.update(more)
    return Rows(np.arange(first_line, first_line + n_lines, dtype=np.int64), ids, samples)


# a declared stream's samples in a block: (field, row of each sample, word index of its first value, value count)
_Stream = Tuple[Field, np.ndarray, np.ndarray, np.ndarray]


def _dense(buf: ByteBuffer, streams: List[_Stream], spans: np.ndarray, convert: bool) -> Optional[Dict[str, Samples]]:
    """The samples of all dense streams, their numbers parsed in one call (unless not ``convert``)."""
    if any(len(count) and (count.min() != f.dim or count.max() != f.dim) for f, _, _, count in streams):
        return None                                   # too many values (an error) or too few (zero-filled)
    if not convert:
        return {f.stream: Samples(rows) for f, rows, _, _ in streams}
    w = np.concatenate([(first[:, None] + np.arange(f.dim)).ravel() for f, _, first, _ in streams])
    words = np.take(spans, w, axis=0)
    values = parse_floats(buf, words[:, 0], words[:, 1], np.float32)
    if values is None:
        return None
    out, at = {}, 0
    for f, rows, _, _ in streams:
        out[f.stream] = Samples(rows, values=values[at:at + len(rows) * f.dim].reshape(len(rows), f.dim))
        at += len(rows) * f.dim
    return out


def _sparse(buf: ByteBuffer, streams: List[_Stream], spans: np.ndarray) -> Optional[Dict[str, Samples]]:
    """The samples of all sparse streams, their entries parsed in one call."""
    w = np.concatenate([concat_ranges(first, count) for _, _, first, count in streams])
    words = np.take(spans, w, axis=0)
    got = parse_sparse(buf, words[:, 0], words[:, 1], np.float32)
    if got is None:
        return None
    indices, values = got
    out, at = {}, 0
    for f, rows, _, count in streams:
        n = int(count.sum())
        mine = indices[at:at + n]
        if n and mine.max() >= f.dim:
            return None                               # index out of range
        out[f.stream] = Samples(rows, counts=count, indices=mine.astype(np.int32), data=values[at:at + n])
        at += n
    return out
