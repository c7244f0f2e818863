"""CNTK Text Format (CTF) reader: text -> `SequenceStore`.

Grammar (one physical line = one row)::

    row     := [seq_id] ( '|' name values )* ( '|#' comment )*      (comments end at the next '|')
    seq_id  := unsigned decimal integer
    values  := dense numbers  |  sparse  index:value  pairs

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

Parsing is one tight pass over the lines that only splits strings; numbers are converted per
stream in one vectorised call at the end (and located precisely only if that call fails).
"""
from __future__ import annotations

import re
import warnings
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from .constants import CTF_CHUNK_BYTES
from .errors import CTFFormatError
from .store import Column, SequenceStore
from .streams import StreamDef, sample_shape


class CTFWarning(UserWarning):
    """A recoverable irregularity in a CTF file (e.g. a dense sample with too few values)."""


class _Field:
    __slots__ = ("stream", "field", "shape", "dim", "sparse", "tokens", "counts", "seq", "lines")

    def __init__(self, stream: str, sd: StreamDef) -> None:
        self.stream = stream
        self.field = sd["field"] if sd.get("field") is not None else stream
        if sd.get("shape") is None:
            raise ValueError("StreamDef for %r needs a shape (the sample dimension)" % stream)
        self.shape = sample_shape(sd["shape"])
        self.dim = int(np.prod(self.shape))
        self.sparse = bool(sd.get("is_sparse", False))
        self.tokens: List[str] = []     # value tokens of all samples, in file order
        self.counts: List[int] = []     # sparse: entries per sample
        self.seq: List[int] = []        # sequence index of each sample
        self.lines: List[int] = []      # line number of each sample


def parse_ctf_file(path: str, streams: Dict[str, StreamDef], max_errors: int = 0) -> SequenceStore:
    """Parse a CTF file into a `SequenceStore` (columns named after the keys of ``streams``)."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CTFFormatError(path, raw[:e.start].count(b"\n") + 1, "the file is not valid UTF-8 text") from None
    return parse_ctf_text(text, streams, filename=path, max_errors=max_errors)


def parse_ctf_text(text: str, streams: Dict[str, StreamDef], filename: str = "<string>",
                   max_errors: int = 0) -> SequenceStore:
    """Parse CTF text (see the module docstring for the grammar) into a `SequenceStore`."""
    fields: Dict[str, _Field] = {}
    for name, sd in streams.items():
        f = _Field(name, sd)
        if f.field in fields:
            raise ValueError("streams %r and %r both read the field |%s" % (fields[f.field].stream, name, f.field))
        fields[f.field] = f

    errors = [0]

    def fail(line: Optional[int], reason: str) -> None:
        errors[0] += 1
        if errors[0] > max_errors:
            raise CTFFormatError(filename, line, reason)
        warnings.warn("%s, line %s: %s (row skipped)" % (filename, line, reason), CTFWarning, stacklevel=4)

    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    seq_keys: List[int] = []
    seq_lines: List[int] = []
    implicit: Optional[bool] = None
    cur_id: Optional[int] = None
    nseq = -1
    get = fields.get

    for ln, line in enumerate(lines, 1):
        if line.endswith("\r"):
            line = line[:-1]
        parts = line.split("|")
        head = parts[0].strip()
        sid: Optional[int]
        if head:
            if not (head.isdigit() and head.isascii()):
                fail(ln, "expected a sequence id (an unsigned integer) or '|' at the start of the row, found %r" % head)
                continue
            sid = int(head)
        else:
            sid = None
        pending: List[Tuple[_Field, List[str]]] = []
        nstreams = 0
        bad = False
        for p in parts[1:]:
            if p[:1] == "#":
                continue
            toks = p.split()
            if not toks or p[0] in " \t":
                fail(ln, "expected a stream name right after '|'")
                bad = True
                break
            nstreams += 1
            f = get(toks[0])
            if f is None:
                continue
            vals = toks[1:]
            if f.sparse:
                if p.count(":") != len(vals):
                    fail(ln, _sparse_token_problem(f, vals))
                    bad = True
                    break
            elif len(vals) > f.dim:
                fail(ln, "dense sample of stream |%s has %d values, expected %d" % (f.field, len(vals), f.dim))
                bad = True
                break
            pending.append((f, vals))
        if bad:
            continue
        if nstreams == 0:
            fail(ln, "empty input row: expected at least one '|stream values' entry")
            continue
        if len(pending) > 1 and (pending[0][0] is pending[1][0] if len(pending) == 2
                                 else len({id(f) for f, _ in pending}) != len(pending)):
            dup = next(f for f, _ in pending if sum(g is f for g, _ in pending) > 1)
            fail(ln, "stream |%s appears more than once on the row (a row holds at most one sample per stream)" % dup.field)
            continue
        if implicit is None:
            implicit = sid is None
        if implicit or (sid is not None and sid != cur_id):
            nseq += 1
            cur_id = sid
            seq_keys.append(ln - 1 if implicit else sid)
            seq_lines.append(ln)
        for f, vals in pending:
            if f.sparse:
                f.counts.append(len(vals))
            elif len(vals) < f.dim:
                warnings.warn("%s, line %d: dense sample of stream |%s has %d of %d values; the rest are zero"
                              % (filename, ln, f.field, len(vals), f.dim), CTFWarning, stacklevel=3)
                vals = vals + ["0"] * (f.dim - len(vals))
            f.tokens.extend(vals)
            f.seq.append(nseq)
            f.lines.append(ln)

    nseq += 1
    keep = np.ones(nseq, dtype=bool)
    lengths: Dict[str, np.ndarray] = {}
    for f in fields.values():
        lens = np.bincount(np.asarray(f.seq, dtype=np.int64), minlength=nseq) if nseq else np.zeros(0, np.int64)
        lengths[f.stream] = lens
        empty = np.nonzero(lens == 0)[0]
        for i in empty:
            fail(seq_lines[i], "stream |%s has no sample in sequence (id = %d); every declared stream must appear"
                               " at least once in every sequence" % (f.field, seq_keys[i]))
            keep[i] = False

    columns: Dict[str, Column] = {}
    for f in fields.values():
        columns[f.stream] = _build_column(f, lengths[f.stream], filename)
    chunks = None
    if len(text) > CTF_CHUNK_BYTES and nseq:
        line_start = np.zeros(len(lines) + 1, dtype=np.int64)
        np.cumsum(np.fromiter((len(x) + 1 for x in lines), dtype=np.int64, count=len(lines)), out=line_start[1:])
        chunks = line_start[np.asarray(seq_lines) - 1] // CTF_CHUNK_BYTES
    store = SequenceStore(columns, np.asarray(seq_keys, dtype=np.int64), chunks)
    if not keep.all():
        store = store.take(np.nonzero(keep)[0])
    return store


def _sparse_token_problem(f: _Field, vals: List[str]) -> str:
    for v in vals:
        if v.count(":") != 1:
            return ("sparse entry %r of stream |%s is not of the form index:value" % (v, f.field))
    return "sparse entries of stream |%s must be index:value pairs" % f.field


# a number must start with a digit after an optional sign: CNTK rejects ".5", "nan", "inf", "1_0"
_BAD_NUMBER = re.compile(r"(?:^| )(?![+-]?[0-9])|_")
_BAD_INDEX = re.compile(r"[^0-9 ]")


def _to_float(tokens: List[str], f: _Field, filename: str, per_sample: int,
              counts: Optional[np.ndarray] = None) -> np.ndarray:
    """Convert number tokens in one call; on failure, name the line of the first bad token."""
    joined = " ".join(tokens)
    m = _BAD_NUMBER.search(joined) if tokens else None
    bad = None
    arr = None
    if m is not None:
        bad = joined.count(" ", 0, m.start() + (1 if joined[m.start():m.start() + 1] == " " else 0))
    else:
        try:
            arr = np.array(tokens, dtype=np.float64)
        except ValueError:
            bad = next(i for i, t in enumerate(tokens) if not _is_number(t))
    if bad is not None:
        sample = bad // per_sample if counts is None else _sample_of(counts, bad)
        raise CTFFormatError(filename, f.lines[sample], "%r in stream |%s is not a number (expected [+-]digits[.digits][e[+-]digits])"
                             % (tokens[bad], f.field))
    return arr


def _is_number(t: str) -> bool:
    try:
        float(t)
        return True
    except ValueError:
        return False


def _sample_of(counts: np.ndarray, entry: int) -> int:
    return int(np.searchsorted(np.cumsum(counts), entry, side="right"))


def _build_column(f: _Field, lengths: np.ndarray, filename: str) -> Column:
    if not f.sparse:
        n = len(f.seq)
        values = _to_float(f.tokens, f, filename, f.dim)
        values = values.astype(np.float32).reshape(n, f.dim) if n else np.zeros((0, f.dim), np.float32)
        return Column(f.shape, False, lengths, values=values)
    counts = np.asarray(f.counts, dtype=np.int64)
    flat = " ".join(f.tokens).replace(":", " ").split() if f.tokens else []
    idx_tok, val_tok = flat[0::2], flat[1::2]
    if len(idx_tok) != len(val_tok) or len(idx_tok) != int(counts.sum()):
        # an entry like "3:" or ":1" lost a token when split; find the first malformed one
        pos = 0
        for s, c in enumerate(counts):
            for t in f.tokens[pos:pos + c]:
                i, _, v = t.partition(":")
                if not i or not v:
                    raise CTFFormatError(filename, f.lines[s], "sparse entry %r of stream |%s is not of the form"
                                         " index:value" % (t, f.field))
            pos += c
    try:
        indices = None if _BAD_INDEX.search(" ".join(idx_tok)) else np.array(idx_tok, dtype=np.int64)
    except (ValueError, OverflowError):
        indices = None
    if indices is None:
        i = next(i for i, t in enumerate(idx_tok) if not (t.isdigit() and t.isascii()))
        raise CTFFormatError(filename, f.lines[_sample_of(counts, i)],
                             "sparse index %r of stream |%s is not an unsigned integer" % (idx_tok[i], f.field))
    if len(indices) and indices.max() >= f.dim:
        i = int(np.argmax(indices >= f.dim))
        raise CTFFormatError(filename, f.lines[_sample_of(counts, i)],
                             "sparse index %d of stream |%s is out of range (the dimension is %d)"
                             % (indices[i], f.field, f.dim))
    data = _to_float(val_tok, f, filename, 1, counts).astype(np.float32)
    indptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return Column(f.shape, True, lengths, indptr=indptr, indices=indices, data=data)
