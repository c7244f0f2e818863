"""CNTK's random number streams, reproduced draw for draw.

CNTK 2.7 seeds one 64-bit Mersenne Twister (MT19937-64) per random op with the op's seed and
draws from it element by element. On top of that stream it builds:

* uniform reals as ``low + (high - low) * x / 2**64`` in double precision;
* normals with Boost's 128-layer ziggurat (double precision), always an even number of them;
* Gumbel as ``loc - scale * log(-log(1 - u))`` and Bernoulli as ``u > 1 - mean``;
* weighted class sampling by bisection into the prefix sums of the weights.

With an explicit seed the values equal CNTK's (up to the last bit of ``log``/``exp``).
"""
from __future__ import annotations

import bisect
import decimal
import math
from functools import lru_cache
from typing import List, Sequence, Tuple

import numpy as np

_N, _M = 312, 156
_MATRIX_A = np.uint64(0xB5026F5AA96619E9)
_UPPER = np.uint64(0xFFFFFFFF80000000)
_LOWER = np.uint64(0x7FFFFFFF)
_MASK64 = (1 << 64) - 1
_TWO_POW_M64 = 2.0 ** -64
_ONE_BELOW = math.nextafter(1.0, 0.0)


class Mt64Stream:
    """A 64-bit Mersenne Twister (std::mt19937_64) with a push-back buffer."""

    def __init__(self, seed: int) -> None:
        state = [int(seed) & _MASK64]
        for i in range(1, _N):
            prev = state[-1]
            state.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & _MASK64)
        self._mt = np.array(state, dtype=np.uint64)
        self._next = _N
        self._pending = np.empty(0, dtype=np.uint64)

    def _twist(self) -> None:
        mt = self._mt

        def mix(cur: np.ndarray, nxt: np.ndarray, far: np.ndarray) -> np.ndarray:
            y = (cur & _UPPER) | (nxt & _LOWER)
            return far ^ (y >> np.uint64(1)) ^ ((y & np.uint64(1)) * _MATRIX_A)

        mt[:_N - _M] = mix(mt[:_N - _M], mt[1:_N - _M + 1], mt[_M:])
        mt[_N - _M:_N - 1] = mix(mt[_N - _M:_N - 1], mt[_N - _M + 1:], mt[:_M - 1])
        mt[_N - 1:] = mix(mt[_N - 1:], mt[:1], mt[_M - 1:_M])
        self._next = 0

    def _generate(self, n: int) -> np.ndarray:
        out = np.empty(n, dtype=np.uint64)
        done = 0
        while done < n:
            if self._next >= _N:
                self._twist()
            take = min(n - done, _N - self._next)
            y = self._mt[self._next:self._next + take].copy()
            self._next += take
            y ^= (y >> np.uint64(29)) & np.uint64(0x5555555555555555)
            y ^= (y << np.uint64(17)) & np.uint64(0x71D67FFFEDA60000)
            y ^= (y << np.uint64(37)) & np.uint64(0xFFF7EEE000000000)
            y ^= y >> np.uint64(43)
            out[done:done + take] = y
            done += take
        return out

    def take(self, n: int) -> np.ndarray:
        """The next ``n`` raw 64-bit draws."""
        have = self._pending[:n]
        self._pending = self._pending[len(have):]
        if len(have) == n:
            return have
        return np.concatenate([have, self._generate(n - len(have))])

    def unread(self, draws: np.ndarray) -> None:
        """Give back draws taken but not used; they come out again first."""
        self._pending = np.concatenate([draws, self._pending])

    def canonical(self, n: int) -> np.ndarray:
        """``n`` doubles in [0, 1): each draw divided by 2**64 (libstdc++'s generate_canonical)."""
        return _canonical(self.take(n))


def _canonical(draws: np.ndarray) -> np.ndarray:
    u = draws.astype(np.float64) * _TWO_POW_M64
    return np.minimum(u, _ONE_BELOW)


# --- continuous distributions -----------------------------------------------------------------------------------------
def uniform(stream: Mt64Stream, n: int, low: float, high: float) -> np.ndarray:
    """``n`` uniform draws in [low, high) (double precision)."""
    return stream.canonical(n) * (float(high) - float(low)) + float(low)


def gumbel(stream: Mt64Stream, n: int, loc: float, scale: float) -> np.ndarray:
    """``n`` Gumbel draws ``loc - scale * log(-log(1 - u))``."""
    u = stream.canonical(n)
    return float(loc) - float(scale) * np.log(-np.log(1.0 - u))


def bernoulli(stream: Mt64Stream, n: int, mean: float) -> np.ndarray:
    """``n`` Bernoulli draws: 1 where the uniform draw exceeds ``1 - mean``."""
    return (stream.canonical(n) > 1.0 - float(mean)).astype(np.float64)


def normal(stream: Mt64Stream, n: int, mean: float, scale: float) -> np.ndarray:
    """``n`` normal draws; CNTK always generates an even count, so an odd ``n`` uses up one more."""
    values = _unit_normals(stream, n + (n % 2))[:n]
    return values * float(scale) + float(mean)


# Boost's ziggurat: the tail start R, where the 128 layers of area V close exactly at the top (both to 50 digits).
_ZIGGURAT_R = "3.4426198558966521214243204914673397043375973858509"
_ZIGGURAT_V = "0.0099125630353364610790956853058101621973797012828872"


@lru_cache(maxsize=1)
def _ziggurat() -> Tuple[np.ndarray, np.ndarray]:
    """Boost's 128-layer ziggurat for exp(-x²/2): layer edges x[0..128] (x[0] = V/f(R) is the base
    layer's equivalent width) and heights y = f(x), computed to 50 digits and rounded to doubles."""
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        r, v = decimal.Decimal(_ZIGGURAT_R), decimal.Decimal(_ZIGGURAT_V)

        def f(x: decimal.Decimal) -> decimal.Decimal:
            return (-x * x / 2).exp()

        xs = [v / f(r), r]
        while len(xs) < 128:
            xs.append((-2 * (v / xs[-1] + f(xs[-1])).ln()).sqrt())
        ys = [decimal.Decimal(0)] + [f(x) for x in xs[1:]] + [decimal.Decimal(1)]
    return np.array([float(x) for x in xs] + [0.0]), np.array([float(y) for y in ys])


_NORMAL_CHUNK = 4096  # raw draws taken per vectorised step


class _DrawReader:
    """Reads raw draws one by one from a chunk already taken, then from the stream."""

    def __init__(self, stream: Mt64Stream, draws: np.ndarray) -> None:
        self.stream, self.draws, self.pos = stream, draws, 0

    def next(self) -> int:
        if self.pos < len(self.draws):
            self.pos += 1
            return int(self.draws[self.pos - 1])
        return int(self.stream.take(1)[0])

    def uniform01(self) -> float:
        """Boost's uniform_01: a draw over 2**64, redrawn if it rounds to 1."""
        while True:
            u = float(self.next()) * _TWO_POW_M64
            if u < 1.0:
                return u


def _unit_normals(stream: Mt64Stream, n: int) -> np.ndarray:
    """Standard normals from Boost's ziggurat: the one-draw fast path (about 97% of values) is
    vectorised per chunk; the other values run one at a time, taking further draws in order."""
    table_x, table_y = _ziggurat()
    out = np.empty(n)
    done = 0
    while done < n:
        reader = _DrawReader(stream, stream.take(min(n - done, _NORMAL_CHUNK)))
        value, fast = _ziggurat_fast(reader.draws, table_x)
        slow = np.flatnonzero(~fast).tolist() + [len(reader.draws)]
        while done < n and reader.pos < len(reader.draws):
            nxt = slow[bisect.bisect_left(slow, reader.pos)]
            run = min(nxt, reader.pos + n - done) - reader.pos
            out[done:done + run] = value[reader.pos:reader.pos + run]
            done += run
            reader.pos += run
            if done < n and reader.pos == nxt < len(reader.draws):
                out[done] = _ziggurat_slow(reader, reader.next(), table_x, table_y)
                done += 1
        stream.unread(reader.draws[reader.pos:])
    return out


def _split_draw(draws: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boost's int/float split of a 64-bit draw: the low 8 bits pick sign and layer, the top 56 bits
    give a uniform in [0, 1) (Boost clears bit 11 first, its way of fitting a 53-bit mantissa)."""
    low = (draws & np.uint64(0xFF)).astype(np.int64)
    sign = (low & 1) * 2 - 1
    layer = low >> 1
    frac = ((draws & ~np.uint64(1 << 11)) >> np.uint64(8)).astype(np.float64) * 2.0 ** -56
    return sign, layer, frac


def _ziggurat_fast(draws: np.ndarray, table_x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    sign, layer, frac = _split_draw(draws)
    x = frac * table_x[layer]
    return x * sign, x < table_x[layer + 1]


def _ziggurat_slow(reader: _DrawReader, draw: int, table_x: np.ndarray, table_y: np.ndarray) -> float:
    """One normal whose first draw missed the fast path (wedge test, tail, or a fresh try)."""
    while True:
        sign, layer, frac = (a[0].item() for a in _split_draw(np.array([draw], dtype=np.uint64)))
        x = frac * table_x[layer]
        if x < table_x[layer + 1]:
            return x * sign
        if layer == 0:
            return _normal_tail(reader, float(table_x[1])) * sign
        y = table_y[layer] + reader.uniform01() * (table_y[layer + 1] - table_y[layer])
        if y < math.exp(-x * x / 2):
            return x * sign
        draw = reader.next()


def _normal_tail(reader: _DrawReader, start: float) -> float:
    while True:
        x = -math.log(1.0 - reader.uniform01()) / start
        y = -math.log(1.0 - reader.uniform01())
        if 2 * y > x * x:
            return x + start


# --- weighted class sampling ------------------------------------------------------------------------------------------
def prefix_sums(weights: np.ndarray) -> np.ndarray:
    """Running sums of the sampling weights, accumulated in double precision."""
    return np.cumsum(np.asarray(weights, dtype=np.float64))


def sample_classes(stream: Mt64Stream, prefix: np.ndarray, count: int,
                   allow_duplicates: bool) -> Tuple[List[int], int]:
    """Draw ``count`` classes with probability proportional to their weights (``prefix`` = running sums).
    Without duplicates a class drawn again is rejected and drawn anew. Returns the classes in the
    order drawn and the number of draws used."""
    total = prefix[-1]
    if allow_duplicates:
        picks = np.searchsorted(prefix, stream.canonical(count) * total, side="left")
        return [int(k) for k in picks], count
    reachable = int(np.count_nonzero(np.diff(prefix, prepend=0.0) > 0))
    if reachable < count:  # CNTK would draw forever
        raise ValueError("cannot draw %d distinct classes: only %d have a positive sampling weight" % (count, reachable))
    chosen: List[int] = []
    seen = set()
    tries = 0
    while len(chosen) < count:  # a batch of (count - chosen) draws can only complete the set at its end
        batch = np.searchsorted(prefix, stream.canonical(count - len(chosen)) * total, side="left")
        tries += len(batch)
        for k in batch.tolist():
            if k not in seen:
                seen.add(k)
                chosen.append(k)
    return chosen, tries


def inclusion_frequencies(stream: Mt64Stream, weights: Sequence[float], count: int,
                          allow_duplicates: bool) -> np.ndarray:
    """Expected number of times each class occurs in a sample of ``count`` classes: exact with
    duplicates (p * count); without, CNTK's estimate 1 - (1 - p)**T with T the mean number of
    draws of 10 trial samplings."""
    weights = np.asarray(weights, dtype=np.float64)
    prefix = prefix_sums(weights)
    p = weights / prefix[-1]
    if allow_duplicates:
        return p * count
    tries = [sample_classes(stream, prefix, count, False)[1] for _ in range(10)]
    mean_tries = sum(tries) / 10.0
    return -np.expm1(mean_tries * np.log1p(-p))
