"""The exact CTF parser: one Python pass over the lines of a block, with precise diagnostics.

It is used for the blocks that the vectorised parser (``ctf_fast``) declines: anything unusual
(malformed rows, dense samples with too few values, non-ASCII text, stray control characters).
Every rule of the grammar in ``ctf_parser`` is checked here, and a malformed row is reported
with its file, line, stream and what was expected. Numbers are converted per stream in one
vectorised call at the end (and located precisely only if that call fails).
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

import numpy as np

from .ctf_rows import NO_ID, Diagnostics, Field, Rows, Samples, to_float32
from .errors import CTFFormatError

_MAX_ID = 2 ** 63 - 1
# a number must start with a digit after an optional sign: CNTK rejects ".5", "nan", "inf", "1_0"
_BAD_NUMBER = re.compile(r"(?:^| )(?![+-]?[0-9])|_")
_BAD_INDEX = re.compile(r"[^0-9 ]")


class _Pending:
    """Value tokens of one stream collected over a block."""

    __slots__ = ("tokens", "counts", "rows", "lines")

    def __init__(self) -> None:
        self.tokens: List[str] = []     # value tokens of all samples, in file order
        self.counts: List[int] = []     # sparse: entries per sample
        self.rows: List[int] = []       # row of each sample
        self.lines: List[int] = []      # line number of each sample


def parse_rows_exact(text: str, first_line: int, fields: Dict[str, Field], diag: Diagnostics) -> Rows:
    """Parse the whole lines in ``text`` (the first is line ``first_line`` of the file) into `Rows`."""
    pending = {name: _Pending() for name in fields}
    row_lines: List[int] = []
    row_ids: List[int] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    get = fields.get
    for ln, line in enumerate(lines, first_line):
        if line.endswith("\r"):
            line = line[:-1]
        parts = line.split("|")
        head = parts[0].strip()
        sid = NO_ID
        if head:
            if not (head.isdigit() and head.isascii()):
                diag.error(ln, "expected a sequence id (an unsigned integer) or '|' at the start of the row, found %r"
                           % head)
                continue
            sid = int(head)
            if sid > _MAX_ID:
                diag.error(ln, "sequence id %s is too large (at most 2**63 - 1)" % head)
                continue
        found: List[Tuple[Field, List[str]]] = []
        nstreams = 0
        problem: Optional[str] = None
        for p in parts[1:]:
            if p[:1] == "#":
                continue
            toks = p.split()
            if not toks or p[0] in " \t":
                problem = "expected a stream name right after '|'"
                break
            nstreams += 1
            f = get(toks[0])
            if f is None:
                continue
            vals = toks[1:]
            if f.sparse:
                if p.count(":") != len(vals):
                    problem = _sparse_token_problem(f, vals)
                    break
            elif len(vals) > f.dim:
                problem = "dense sample of stream |%s has %d values, expected %d" % (f.name, len(vals), f.dim)
                break
            found.append((f, vals))
        if problem is None and nstreams == 0:
            problem = "empty input row: expected at least one '|stream values' entry"
        if problem is None and len(found) > 1 and len({id(f) for f, _ in found}) != len(found):
            dup = next(f for f, _ in found if sum(g is f for g, _ in found) > 1)
            problem = ("stream |%s appears more than once on the row (a row holds at most one sample per stream)"
                       % dup.name)
        if problem is not None:
            diag.error(ln, problem)
            continue
        row = len(row_lines)
        row_lines.append(ln)
        row_ids.append(sid)
        for f, vals in found:
            acc = pending[f.name]
            if f.sparse:
                acc.counts.append(len(vals))
            elif len(vals) < f.dim:
                diag.warn(ln, "dense sample of stream |%s has %d of %d values; the rest are zero"
                          % (f.name, len(vals), f.dim))
                vals = vals + ["0"] * (f.dim - len(vals))
            acc.tokens.extend(vals)
            acc.rows.append(row)
            acc.lines.append(ln)
    samples = {f.stream: _samples(f, pending[name], diag.filename) for name, f in fields.items()}
    return Rows(np.asarray(row_lines, np.int64), np.asarray(row_ids, np.int64), samples)


def _sparse_token_problem(f: Field, vals: List[str]) -> str:
    for v in vals:
        if v.count(":") != 1:
            return "sparse entry %r of stream |%s is not of the form index:value" % (v, f.name)
    return "sparse entries of stream |%s must be index:value pairs" % f.name


def _to_float(tokens: List[str], f: Field, acc: _Pending, filename: str, per_sample: int,
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
        raise CTFFormatError(filename, acc.lines[sample], "%r in stream |%s is not a number (expected"
                             " [+-]digits[.digits][e[+-]digits])" % (tokens[bad], f.name))
    return arr


def _is_number(t: str) -> bool:
    try:
        float(t)
        return True
    except ValueError:
        return False


def _sample_of(counts: np.ndarray, entry: int) -> int:
    return int(np.searchsorted(np.cumsum(counts), entry, side="right"))


def _samples(f: Field, acc: _Pending, filename: str) -> Samples:
    rows = np.asarray(acc.rows, dtype=np.int64)
    if not f.sparse:
        values = _to_float(acc.tokens, f, acc, filename, f.dim)
        values = to_float32(values).reshape(len(rows), f.dim) if len(rows) else np.zeros((0, f.dim), np.float32)
        return Samples(rows, values=values)
    counts = np.asarray(acc.counts, dtype=np.int64)
    flat = " ".join(acc.tokens).replace(":", " ").split() if acc.tokens else []
    idx_tok, val_tok = flat[0::2], flat[1::2]
    if len(idx_tok) != len(val_tok) or len(idx_tok) != int(counts.sum()):
        # an entry like "3:" or ":1" lost a token when split; find the first malformed one
        pos = 0
        for s, c in enumerate(counts):
            for t in acc.tokens[pos:pos + c]:
                i, _, v = t.partition(":")
                if not i or not v:
                    raise CTFFormatError(filename, acc.lines[s], "sparse entry %r of stream |%s is not of the form"
                                         " index:value" % (t, f.name))
            pos += c
    try:
        indices = None if _BAD_INDEX.search(" ".join(idx_tok)) else np.array(idx_tok, dtype=np.int64)
    except (ValueError, OverflowError):
        indices = None
    if indices is None:
        i = next(i for i, t in enumerate(idx_tok) if not (t.isdigit() and t.isascii() and int(t) <= _MAX_ID))
        raise CTFFormatError(filename, acc.lines[_sample_of(counts, i)],
                             "sparse index %r of stream |%s is not an unsigned integer" % (idx_tok[i], f.name))
    if len(indices) and indices.max() >= f.dim:
        i = int(np.argmax(indices >= f.dim))
        raise CTFFormatError(filename, acc.lines[_sample_of(counts, i)],
                             "sparse index %d of stream |%s is out of range (the dimension is %d)"
                             % (indices[i], f.name, f.dim))
    data = to_float32(_to_float(val_tok, f, acc, filename, 1, counts))
    return Samples(rows, counts=counts, indices=indices.astype(np.int32), data=data)
