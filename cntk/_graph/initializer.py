"""Parameter initialisers with CNTK's fan computations.

An initialiser is a callable ``init(shape) -> np.ndarray`` (float64) carrying its settings.
Fans follow CNTK: ``fan_out`` is the product of the last ``output_rank`` axes (default 1),
``fan_in`` the product of the remaining axes (1 for a rank-1 shape). For packed recurrent
matrices such as the LSTM's ``W (in, 4*cell)``, the fan therefore uses the packed width.
"""
from __future__ import annotations

import math
from typing import Callable, Optional, Sequence

import numpy as np

from . import rng
from .random_state import random_state

SentinelValueForInferParamInitRank = 2147483647
SentinelValueForAutoSelectRandomSeed = 18446744073709551615
DefaultParamInitScale = 1


class Initializer:
    """A parameter initialiser: call it with a shape to draw the initial values."""

    def __init__(self, kind: str, draw: Callable[["CntkDraws", tuple, float, float], np.ndarray],
                 scale: float = 1.0, output_rank: Optional[int] = None, filter_rank: Optional[int] = None,
                 seed: Optional[int] = None) -> None:
        self.kind = kind
        self._draw = draw
        self.scale = scale
        self.output_rank = output_rank
        self.filter_rank = filter_rank
        self.seed = seed

    def with_rank(self, output_rank: Optional[int] = None, filter_rank: Optional[int] = None) -> "Initializer":
        """A copy with the given ranks (used by layers that know their output rank)."""
        return Initializer(self.kind, self._draw, self.scale,
                           self.output_rank if output_rank is None else output_rank,
                           self.filter_rank if filter_rank is None else filter_rank, self.seed)

    def fans(self, shape: tuple) -> tuple:
        """(fan_in, fan_out) of ``shape`` under this initialiser's output rank."""
        rank = len(shape)
        if self.output_rank not in (None, SentinelValueForInferParamInitRank) and int(self.output_rank) < 0:
            return self._leading_output_fans(shape)
        out_rank = 1 if self.output_rank in (None, SentinelValueForInferParamInitRank) else int(self.output_rank)
        out_rank = min(out_rank, rank)
        fan_out = int(np.prod(shape[rank - out_rank:])) if out_rank else 1
        fan_in = int(np.prod(shape[:rank - out_rank])) if rank - out_rank else 1
        return fan_in, fan_out

    def _leading_output_fans(self, shape: tuple) -> tuple:
        """Fans of a convolution kernel: a negative output rank -r makes the first r axes the
        outputs and ``filter_rank`` counts the trailing receptive-field axes. Each output sees the
        field, so fan_out = outputs * field and fan_in = the product of all non-output axes."""
        out_rank = min(-int(self.output_rank), len(shape))
        filter_rank = 0 if self.filter_rank in (None, SentinelValueForInferParamInitRank) else int(self.filter_rank)
        if out_rank + filter_rank > len(shape):
            raise ValueError("the filter rank (%d) and output rank (%d) of the initializer exceed the rank of shape %s"
                             % (filter_rank, -out_rank, shape))
        field = int(np.prod(shape[len(shape) - filter_rank:])) if filter_rank else 1
        return int(np.prod(shape[out_rank:])), int(np.prod(shape[:out_rank])) * field

    def seeded(self) -> "Initializer":
        """This initialiser with its seed fixed: its own, else the next one CNTK's order gives (as
        CNTK does when a parameter is created, so that two runs of a program draw the same values)."""
        if self.seed is not None:
            return self
        copy = self.with_rank()
        copy.seed = random_state.next_seed()
        return copy

    def __call__(self, shape: Sequence[int]) -> np.ndarray:
        shape = tuple(int(d) for d in shape)
        seed = self.seed if self.seed is not None else random_state.next_seed()
        fan_in, fan_out = self.fans(shape)
        draws = CntkDraws(seed)
        return np.asarray(self._draw(draws, shape, fan_in, fan_out), dtype=np.float64).reshape(shape)

    def __repr__(self) -> str:
        return "%s(scale=%r)" % (self.kind, self.scale)


class CntkDraws:
    """CNTK's random stream for one initialiser (a 64-bit Mersenne Twister seeded with the
    initialiser's seed), with the two draws initialisers need, element by element in CNTK's order."""

    def __init__(self, seed: int) -> None:
        self._stream = rng.Mt64Stream(int(seed) % 2 ** 64)

    def uniform(self, low: float, high: float, size: tuple) -> np.ndarray:
        """Uniform draws in [low, high)."""
        return rng.uniform(self._stream, int(np.prod(size)), low, high).reshape(size)

    def standard_normal(self, size: tuple) -> np.ndarray:
        """Draws from N(0, 1)."""
        return rng.normal(self._stream, int(np.prod(size)), 0.0, 1.0).reshape(size)

    def truncated_standard_normal(self, size: tuple, bound: float = 2.0) -> np.ndarray:
        """Draws from N(0, 1) with those beyond ±bound skipped (the stream continues past them)."""
        n = int(np.prod(size))
        kept: list = []
        count = 0
        while count < n:
            chunk = rng.normal(self._stream, 2 * max(n - count, 1), 0.0, 1.0)  # even sizes: one unbroken stream
            chunk = chunk[np.abs(chunk) <= bound]
            kept.append(chunk)
            count += len(chunk)
        return np.concatenate(kept)[:n].reshape(size)


def _uniform_limit(limit_of_fans: Callable[[float, float], float]):
    def draw(draws, shape, fan_in, fan_out):
        return draws.uniform(-1.0, 1.0, size=shape) * limit_of_fans(fan_in, fan_out)
    return draw


def _normal_std(std_of_fans: Callable[[float, float], float]):
    def draw(draws, shape, fan_in, fan_out):
        return draws.standard_normal(size=shape) * std_of_fans(fan_in, fan_out)
    return draw


def _make(kind: str, scale: float, output_rank, filter_rank, seed, draw_of_scale) -> Initializer:
    return Initializer(kind, draw_of_scale(scale), scale, output_rank, filter_rank, seed)


def glorot_uniform(scale: float = DefaultParamInitScale, output_rank: int = SentinelValueForInferParamInitRank,
                   filter_rank: int = SentinelValueForInferParamInitRank, seed: Optional[int] = None) -> Initializer:
    """Uniform in ±scale·sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio)."""
    return _make("glorot_uniform", scale, output_rank, filter_rank, seed,
                 lambda s: _uniform_limit(lambda fi, fo: s * math.sqrt(6.0 / (fi + fo))))


def glorot_normal(scale: float = DefaultParamInitScale, output_rank: int = SentinelValueForInferParamInitRank,
                  filter_rank: int = SentinelValueForInferParamInitRank, seed: Optional[int] = None) -> Initializer:
    """Normal with standard deviation scale·sqrt(2 / (fan_in + fan_out))."""
    return _make("glorot_normal", scale, output_rank, filter_rank, seed,
                 lambda s: _normal_std(lambda fi, fo: s * math.sqrt(2.0 / (fi + fo))))


def he_uniform(scale: float = DefaultParamInitScale, output_rank: int = SentinelValueForInferParamInitRank,
               filter_rank: int = SentinelValueForInferParamInitRank, seed: Optional[int] = None) -> Initializer:
    """Uniform in ±scale·sqrt(6 / fan_in) (He et al.)."""
    return _make("he_uniform", scale, output_rank, filter_rank, seed,
                 lambda s: _uniform_limit(lambda fi, fo: s * math.sqrt(6.0 / fi)))


def he_normal(scale: float = DefaultParamInitScale, output_rank: int = SentinelValueForInferParamInitRank,
              filter_rank: int = SentinelValueForInferParamInitRank, seed: Optional[int] = None) -> Initializer:
    """Normal with standard deviation scale·sqrt(2 / fan_in)."""
    return _make("he_normal", scale, output_rank, filter_rank, seed,
                 lambda s: _normal_std(lambda fi, fo: s * math.sqrt(2.0 / fi)))


def xavier(scale: float = DefaultParamInitScale, output_rank: int = SentinelValueForInferParamInitRank,
           filter_rank: int = SentinelValueForInferParamInitRank, seed: Optional[int] = None) -> Initializer:
    """Uniform in ±scale·sqrt(3 / fan_in)."""
    return _make("xavier", scale, output_rank, filter_rank, seed,
                 lambda s: _uniform_limit(lambda fi, fo: s * math.sqrt(3.0 / fi)))


def uniform(scale: float, seed: Optional[int] = None) -> Initializer:
    """Uniform in ±scale."""
    return _make("uniform", scale, None, None, seed, lambda s: _uniform_limit(lambda fi, fo: s))


def normal(scale: float, output_rank: int = SentinelValueForInferParamInitRank,
           filter_rank: int = SentinelValueForInferParamInitRank, seed: Optional[int] = None) -> Initializer:
    """Normal with standard deviation ``scale``."""
    return _make("normal", scale, output_rank, filter_rank, seed, lambda s: _normal_std(lambda fi, fo: s))


def truncated_normal(stdev: float, seed: Optional[int] = None) -> Initializer:
    """Normal with standard deviation ``stdev``; draws outside ±2·stdev are skipped."""
    def draw_of_scale(s):
        def draw(draws, shape, fan_in, fan_out):
            return draws.truncated_standard_normal(shape) * s
        return draw
    return _make("truncated_normal", stdev, None, None, seed, draw_of_scale)


def bilinear(kernel_width: int, kernel_height: int) -> Initializer:
    """Bilinear up-sampling kernel of the given size (for transposed convolutions)."""
    def draw_of_scale(_s):
        def draw(draws, shape, fan_in, fan_out):
            def profile(n):
                f = math.ceil(n / 2.0)
                c = (2 * f - 1 - f % 2) / (2.0 * f)
                return 1 - np.abs(np.arange(n) / f - c)
            kernel = np.outer(profile(kernel_height), profile(kernel_width))
            out = np.zeros(shape)
            out[...] = kernel.reshape((1,) * (len(shape) - 2) + kernel.shape) if len(shape) >= 2 else 0
            return out
        return draw
    return _make("bilinear", 1.0, None, None, None, draw_of_scale)


def initializer_with_rank(initializer: Initializer, output_rank: Optional[int] = None,
                          filter_rank: Optional[int] = None) -> Initializer:
    """A copy of ``initializer`` with its output and filter ranks overridden."""
    if not isinstance(initializer, Initializer):
        raise TypeError("initializer_with_rank() expects an initializer, got %r" % (initializer,))
    return initializer.with_rank(output_rank, filter_rank)
