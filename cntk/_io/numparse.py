"""Vectorised parsing of decimal numbers that sit in a byte buffer (no per-character Python loop).

Each token is given by its ``[start, end)`` byte range. The last 8 or 16 bytes of a token are
loaded as one or two little-endian 64-bit words (one unaligned gather per word); classification,
dot removal and digit accumulation are then done on whole words at once ("SIMD within a register":
three multiply-shift steps turn eight ASCII digits into their integer value).

A float is accepted iff it matches CTF's number grammar ``[+-]?[0-9]+(.[0-9]*)?([eE][+-]?[0-9]+)?``.
Conversion is exact (the same double as Python's ``float``): the digits are collected into an
exact integer and scaled by one exact power of ten, which is correctly rounded whenever the
integer is below 2**53 and the power at most 22 (Clinger's fast path). The rare tokens outside
that range, or longer than 16 bytes, are converted one by one with ``float``.
"""
from __future__ import annotations

import re
from typing import BinaryIO, Dict, List, Optional, Tuple

import numpy as np

_U = np.uint64
_BYTE_PAIRS, _WORD_PAIRS = _U(0x00FF00FF00FF00FF), _U(0x0000FFFF0000FFFF)
_TIMES_10, _TIMES_100, _TIMES_10000 = _U(10 * 2 ** 8 + 1), _U(100 * 2 ** 16 + 1), _U(10000 * 2 ** 32 + 1)
_ZEROS = _U(0x3030303030303030)            # b"00000000"
_ONES = _U(0x0101010101010101)             # 0x01 in every byte
_BYTE_HASH = _U(0x0102030405060708)        # (word with one 0x01 byte * this) >> 56 == that byte + 1
_B8, _B56 = _U(8), _U(56)
_ONE = _U(1)
_EXACT_INT = 2 ** 53
_POW10 = 10.0 ** np.arange(23)
_SIGNED_POW10 = np.stack([_POW10, -_POW10], axis=1).ravel()         # [2 * k + negative] -> +-10**k
_NUMBER = re.compile(rb"[+-]?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")

#: bytes a buffer must have before its first and after its last token (the word loads reach that far)
PADDING = 16
_SPACES = b" " * PADDING


def _two_word_masks() -> Dict[str, List[np.ndarray]]:
    """For tokens of 9..16 bytes right-aligned in two words, per word and indexed by
    ``2 * length + signed``: ``valid`` (0x01 in the token's bytes), ``sign`` (0x01 at its first byte
    when that is a sign), ``first_digit`` (0x01 where the first digit must be; 0 if there is no room)."""
    valid = np.zeros((34, 16), np.uint8)
    sign = np.zeros_like(valid)
    first = np.zeros_like(valid)
    for n in range(17):
        for signed in (0, 1):
            i = 2 * n + signed
            valid[i, 16 - n:] = 1
            if n and signed:
                sign[i, 16 - n] = 1
            if n > signed:
                first[i, 16 - n + signed] = 1
    return {name: [np.ascontiguousarray(m.view(np.uint64)[:, k]) for k in range(2)]
            for name, m in (("valid", valid), ("sign", sign), ("first_digit", first))}


_TWO_WORDS = _two_word_masks()
_SINGLE_BYTE = np.array([0] + [1 << 8 * b for b in range(8)] + [2 ** 64 - 1] * 247, dtype=np.uint64)  # by hash
_AFTER_DOT = np.array([0] + [7 - b for b in range(8)] + [0] * 247, dtype=np.int64)    # digits after a dot, by hash


class ByteBuffer:
    """Text bytes with `PADDING` spaces on both sides, and an unaligned 64-bit view for word loads.

    The text is ``raw[PADDING:end]``; token positions handed to the functions below are
    positions in `array` (and `raw`). The buffer holds up to ``capacity`` bytes of text (plus a
    final newline) and is reused: `load` replaces the text, `read` appends from a file.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.raw = bytearray(PADDING + capacity + 1 + PADDING)
        self.raw[:PADDING] = _SPACES
        self.size = 0
        self.array = np.frombuffer(self.raw, dtype=np.uint8)
        self.words = np.ndarray((len(self.raw) - 7,), dtype="<u8", buffer=self.raw, strides=(1,))
        self._pad()

    @classmethod
    def of(cls, text: bytes) -> "ByteBuffer":
        """A buffer holding ``text``."""
        buf = cls(len(text))
        buf.load(text)
        return buf

    @property
    def end(self) -> int:
        """Position just after the text."""
        return PADDING + self.size

    def load(self, text: bytes) -> None:
        """Make ``text`` the buffer's text."""
        if len(text) > self.capacity:
            raise ValueError("%d bytes do not fit a buffer of %d" % (len(text), self.capacity))
        self.raw[PADDING:PADDING + len(text)] = text
        self.size = len(text)
        self._pad()

    def read(self, fh: BinaryIO, n: int) -> int:
        """Append up to ``n`` bytes (within the capacity) from a binary file; returns how many were read."""
        view = memoryview(self.raw)
        got = 0
        n = min(n, self.capacity - self.size)
        while got < n:
            k = fh.readinto(view[self.end:self.end + n - got])
            if not k:
                break
            self.size += k
            got += k
        view.release()
        self._pad()
        return got

    def end_line(self) -> None:
        """Make the text end with a newline (a last line may lack one)."""
        if self.size and self.raw[self.end - 1] != 10:
            self.raw[self.end] = 10
            self.size += 1
            self._pad()

    def tokens(self, starts: np.ndarray, ends: np.ndarray) -> List[bytes]:
        """The tokens as ``bytes`` (for the rare exact conversions)."""
        return [bytes(self.raw[s:e]) for s, e in zip(starts.tolist(), ends.tolist())]

    def _pad(self) -> None:
        self.raw[self.end:self.end + PADDING] = _SPACES


def _eight_digits(v: np.ndarray) -> np.ndarray:
    """Integer value of eight digit values 0..9 held one per byte, most significant in the lowest byte."""
    v = (v * _TIMES_10) >> _B8
    v &= _BYTE_PAIRS
    v *= _TIMES_100
    v >>= _U(16)
    v &= _WORD_PAIRS
    v *= _TIMES_10000
    v >>= _U(32)
    return v


def _scan_word(w: np.ndarray, valid: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Digits, dots and other bytes of one word of each token (``valid``: 0x01 in the token's bytes).

    Returns (integer value of the digits with the dot taken out, digit mask, dot mask, other
    mask, whether there is a dot), masks holding 0x01 per byte.
    """
    v = w ^ _ZEROS
    digit = (v.view(np.uint8) < 10).view(np.uint64)
    digit &= valid
    dot = (w.view(np.uint8) == 46).view(np.uint64)
    dot &= valid
    other = valid ^ digit
    other ^= dot
    v &= digit * _U(0xFF)
    has_dot = dot != 0
    below_dot = (dot - _ONE) * has_dot             # 0xFF in the bytes below the dot
    low = v & below_dot                            # the digits left of the dot ...
    v += low * _U(255)                             # ... move up one byte, over the dot
    other |= dot & below_dot                       # a second dot counts as a stray byte
    return _eight_digits(v), digit, dot, other, has_dot


class _Decimals:
    """Parts of tokens of the form ``[+-]digits[.digits]``, one entry per token: ``ok`` (the token
    has that form), ``negative``, ``digits`` (all digits as one integer, uint64), ``fraction``
    (digits after the dot), ``dot`` (a dot is present)."""

    __slots__ = ("ok", "negative", "digits", "fraction", "dot")

    def value(self, dtype=np.float64) -> np.ndarray:
        """The values as ``dtype`` (exactly Python's ``float`` for tokens that are `ok` with at most 15
        digits, rounded once more for float32)."""
        out = np.empty(len(self.digits), dtype)
        with np.errstate(over="ignore"):
            np.divide(self.digits.astype(np.float64), _SIGNED_POW10[2 * self.fraction + self.negative], out=out,
                      casting="same_kind")
        return out


def _word_decimals(w: np.ndarray, shift: np.ndarray, c0: np.ndarray) -> _Decimals:
    """Decimals that fill the bytes of word ``w`` from bit ``shift`` up; ``c0`` is their first byte."""
    d = _Decimals()
    d.negative = c0 == 45
    signed = d.negative | (c0 == 43)
    value, digit, dot, other, d.dot = _scan_word(w, _ONES << shift)
    d.ok = other == (signed.astype(np.uint64) << shift)              # only digits, one dot and a leading sign
    d.ok &= (digit & (_ONE << (shift + signed * _B8))) != 0          # a digit first (after the sign)
    d.digits = value
    d.fraction = _AFTER_DOT[((dot * _BYTE_HASH) >> _B56).view(np.int64)]
    return d


def _decimals(buf: ByteBuffer, starts: np.ndarray, ends: np.ndarray) -> _Decimals:
    """`_Decimals` of tokens of up to 16 bytes (longer ones are not ``ok``)."""
    length = ends - starts
    if len(starts) == 0 or int(length.max()) <= 8:
        return _word_decimals(buf.words[ends - 8], ((8 - length) * 8).astype(np.uint64), buf.array.take(starts))
    d = _Decimals()
    c0 = buf.array.take(starts)
    d.negative = c0 == 45
    row = np.minimum(length, 16) * 2 + (d.negative | (c0 == 43))
    masks = _TWO_WORDS
    high, hd, hdot, hother, high_dot = _scan_word(buf.words[ends - 16], masks["valid"][0][row])
    low, ld, ldot, lother, low_dot = _scan_word(buf.words[ends - 8], masks["valid"][1][row])
    d.ok = (hother == masks["sign"][0][row]) & (lother == masks["sign"][1][row]) & (length <= 16)
    d.ok &= ((hd & masks["first_digit"][0][row]) | (ld & masks["first_digit"][1][row])) != 0
    d.ok &= ~(high_dot & low_dot)
    d.digits = high * np.where(low_dot, _U(10 ** 7), _U(10 ** 8)) + low    # a dot in the low word leaves 7 places
    d.fraction = (_AFTER_DOT[((ldot * _BYTE_HASH) >> _B56).view(np.int64)]
                  + (_AFTER_DOT[((hdot * _BYTE_HASH) >> _B56).view(np.int64)] + 8) * high_dot)
    d.dot = high_dot | low_dot
    return d


def single_byte_positions(buf: ByteBuffer, starts: np.ndarray, ends: np.ndarray, byte: int,
                          either_case: bool = False) -> np.ndarray:
    """Position of the one occurrence of ``byte`` in each token (-1 where it occurs never or more than once).

    ``either_case``: also match the upper-case letter (``byte`` must be a lower-case letter).
    """
    length = ends - starts
    pos = np.full(len(ends), -1, np.int64)
    count = np.zeros(len(ends), np.int64)
    for k in range((int(length.max()) + 7) // 8 if len(ends) else 0):
        at = ends - 8 * (k + 1)
        raw = buf.words[at].view(np.uint8)
        mark = ((raw | 32) if either_case else raw) == byte
        mark = mark.view(np.uint64) & (_ONES << (8 * (8 - np.clip(length - 8 * k, 0, 8))).astype(np.uint64))
        h = ((mark * _BYTE_HASH) >> _B56).view(np.int64)
        single = (mark != 0) & (mark == _SINGLE_BYTE[h])
        count += (mark != 0) * (2 - single)
        pos = np.where(single, at + h - 1, pos)
    pos[count != 1] = -1
    return pos


def parse_floats(buf: ByteBuffer, starts: np.ndarray, ends: np.ndarray, dtype=np.float64) -> Optional[np.ndarray]:
    """Values of the tokens as ``dtype`` (float32 values are the float64 ones rounded), or None when
    some token is not a number of CTF's grammar."""
    n = len(starts)
    length = ends - starts
    longest = int(length.max()) if n else 0
    if longest > 16:
        out = np.empty(n, dtype)
        long, short = np.flatnonzero(length > 16), np.flatnonzero(length <= 16)
        exact = _exact_floats(buf, starts[long], ends[long])
        part = parse_floats(buf, starts[short], ends[short], dtype)
        if exact is None or part is None:
            return None
        with np.errstate(over="ignore"):
            out[long], out[short] = exact, part
        return out
    dec = _decimals(buf, starts, ends)
    odd = np.flatnonzero(~dec.ok)
    if not len(odd):
        out = dec.value(dtype)
        if longest > 8:                             # up to 16 digits: beyond 2**53, one by one
            inexact = np.flatnonzero(dec.digits >= _EXACT_INT)
            out[inexact] = _exact_floats(buf, starts[inexact], ends[inexact])
        return out
    # an exponent, or not a number at all
    at = single_byte_positions(buf, starts[odd], ends[odd], ord("e"), either_case=True)
    if (at < 0).any():
        return None
    mant = _decimals(buf, starts[odd], at)
    expo = _decimals(buf, at + 1, ends[odd])
    if not (mant.ok.all() and expo.ok.all()) or expo.dot.any():
        return None
    values = dec.value()
    e = np.clip(expo.digits.astype(np.int64), 0, 999)
    scale = mant.fraction - np.where(expo.negative, -e, e)             # value = digits / 10**scale
    digits = mant.digits.astype(np.float64)
    values[odd] = np.where(scale >= 0, digits / _POW10[np.clip(scale, 0, 22)], digits * _POW10[np.clip(-scale, 0, 22)])
    values[odd[mant.negative]] *= -1.0
    inexact = np.flatnonzero(dec.digits >= _EXACT_INT)
    inexact = np.union1d(inexact, odd[(mant.digits >= _EXACT_INT) | (np.abs(scale) > 22)])
    if len(inexact):                                # beyond the exact fast path: one by one
        values[inexact] = _exact_floats(buf, starts[inexact], ends[inexact])
    with np.errstate(over="ignore"):
        return values.astype(dtype)


def parse_sparse(buf: ByteBuffer, starts: np.ndarray, ends: np.ndarray,
                 dtype=np.float64) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """(indices, values as ``dtype``) of ``index:value`` tokens, or None when some token is not of that form.

    A token of up to 8 bytes is read as one word: the colon is found in it, the index digits
    are shifted up to the top of a word and the value is read in place.
    """
    n = len(starts)
    length = ends - starts
    if n == 0 or int(length.max()) > 8:
        return _parse_sparse_apart(buf, starts, ends, dtype)
    w = buf.words[ends - 8]
    valid = _ONES << ((8 - length) * 8).astype(np.uint64)
    colon = (w.view(np.uint8) == 58).view(np.uint64)
    colon &= valid
    h = ((colon * _BYTE_HASH) >> _B56).view(np.int64)              # colon byte + 1 (if a single colon)
    ok = (colon == _SINGLE_BYTE[h]) & (colon != 0)
    index_bytes = valid & ((colon - _ONE) * (colon != 0))
    v = w ^ _ZEROS
    ok &= (((v.view(np.uint8) < 10).view(np.uint64) & index_bytes) == index_bytes) & (index_bytes != 0)
    v &= index_bytes * _U(0xFF)
    indices = _eight_digits(v << (8 * (9 - h)).astype(np.uint64)).view(np.int64)
    after = (8 * h).astype(np.uint64)
    dec = _word_decimals(w, after, ((w >> after) & _U(0xFF)).astype(np.uint8))
    ok &= dec.ok
    values = dec.value(dtype)
    odd = np.flatnonzero(~ok)
    if len(odd):                                    # exponents, or not index:value at all
        part = _parse_sparse_apart(buf, starts[odd], ends[odd], dtype)
        if part is None:
            return None
        indices[odd], values[odd] = part
    return indices, values


def _parse_sparse_apart(buf: ByteBuffer, starts: np.ndarray, ends: np.ndarray,
                        dtype) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """`parse_sparse` for any token length: split at the colon, then parse both sides."""
    colon = single_byte_positions(buf, starts, ends, 58)
    if (colon <= starts).any() or (colon >= ends - 1).any():
        return None                                 # not one ':' with an index before and a value after
    indices = parse_uints(buf, starts, colon)
    values = parse_floats(buf, colon + 1, ends, dtype)
    if indices is None or values is None:
        return None
    return indices, values


def parse_uints(buf: ByteBuffer, starts: np.ndarray, ends: np.ndarray) -> Optional[np.ndarray]:
    """int64 values of tokens made of 1 to 16 decimal digits, or None when some token is not."""
    if len(starts) == 0:
        return np.zeros(0, np.int64)
    length = ends - starts
    longest = int(length.max())
    if longest > 16 or int(length.min()) < 1:
        return None
    total = None
    for k in (1, 0) if longest > 8 else (0,):        # the word k words before the token's end
        in_word = np.clip(length - 8 * k, 0, 8) if longest > 8 else length          # token bytes in it
        valid = _ONES << ((8 - in_word) * 8).astype(np.uint64)
        v = buf.words[ends - 8 * (k + 1)] ^ _ZEROS
        if (((v.view(np.uint8) < 10).view(np.uint64) & valid) != valid).any():
            return None
        v &= valid * _U(0xFF)
        part = _eight_digits(v)
        total = part if total is None else total * _U(10 ** 8) + part
    return total.view(np.int64)


def _exact_floats(buf: ByteBuffer, starts: np.ndarray, ends: np.ndarray) -> Optional[np.ndarray]:
    toks = buf.tokens(starts, ends)
    if not all(_NUMBER.fullmatch(t) for t in toks):
        return None
    return np.array([float(t) for t in toks], dtype=np.float64)
