"""Random ops: draws from distributions and weighted class sampling.

Each op owns a random stream started from its seed (CNTK's 64-bit Mersenne Twister, see
cntk/_graph/rng.py) that every evaluation continues, so evaluating an op twice gives new values and
two ops with the same explicit seed give the same sequence. Without a seed, one is taken from the
process-wide random state (reproducible after `cntk.cntk_py.set_fixed_random_seed`).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._graph import random_rules  # noqa: F401  (registers the type rules)
from .._graph.defaults import default_override_or, get_default_override
from .._graph.function import Function, primitive
from .._graph.initializer import SentinelValueForAutoSelectRandomSeed
from .._graph.random_state import random_state
from .._graph.variable import sanitize_dtype, sanitize_shape

auto_select = SentinelValueForAutoSelectRandomSeed


def resolve_seed(seed: Any) -> int:
    """An explicit seed as given; ``auto_select``/None draws one from the process-wide random state."""
    if seed is None or seed == SentinelValueForAutoSelectRandomSeed:
        return random_state.next_seed()
    if isinstance(seed, bool) or int(seed) != seed or int(seed) < 0:
        raise ValueError("random ops: seed must be a non-negative integer, got %r" % (seed,))
    return int(seed)


def _draws(distribution: str, operands: list, params: dict, seed: Any, name: str, shape: Any = None,
           dtype: Any = None) -> Function:
    attrs = dict(params, distribution=distribution, seed=resolve_seed(seed))
    if not operands:
        attrs["shape"] = sanitize_shape(shape)
        attrs["dtype"] = sanitize_dtype(get_default_override(None, dtype=dtype))
        if any(d < 0 for d in attrs["shape"]):
            raise ValueError("cntk.random.%s: the shape must be fully known, got %s" % (distribution, attrs["shape"]))
    return primitive("RandomDistribution", operands, attrs, name=name)


def uniform(shape: Any, dtype: Any = default_override_or(np.float32), low: float = 0.0, high: float = 1.0,
            seed: Any = auto_select, name: str = "") -> Function:
    """A tensor of ``shape`` drawn uniformly from [low, high) at every evaluation."""
    return _draws("uniform", [], {"low": float(low), "high": float(high)}, seed, name, shape, dtype)


def normal(shape: Any, dtype: Any = default_override_or(np.float32), mean: float = 0.0, scale: float = 1.0,
           seed: Any = auto_select, name: str = "") -> Function:
    """A tensor of ``shape`` drawn from the normal distribution N(mean, scale²) at every evaluation."""
    return _draws("normal", [], {"mean": float(mean), "scale": float(scale)}, seed, name, shape, dtype)


def gumbel(shape: Any, dtype: Any = default_override_or(np.float32), loc: float = 0.0, scale: float = 1.0,
           seed: Any = auto_select, name: str = "") -> Function:
    """A tensor of ``shape`` drawn from the Gumbel distribution (location ``loc``, scale ``scale``)."""
    return _draws("gumbel", [], {"loc": float(loc), "scale": float(scale)}, seed, name, shape, dtype)


def bernoulli(shape: Any, dtype: Any = default_override_or(np.float32), mean: float = 0.5, seed: Any = auto_select,
              name: str = "") -> Function:
    """A tensor of ``shape`` of 0/1 draws that are 1 with probability ``mean``."""
    return _draws("bernoulli", [], {"mean": float(mean)}, seed, name, shape, dtype)


def uniform_like(x: Any, low: float = 0.0, high: float = 1.0, seed: Any = auto_select, name: str = "") -> Function:
    """Uniform draws in [low, high) with the shape, dtype and dynamic axes of ``x``."""
    return _draws("uniform", [x], {"low": float(low), "high": float(high)}, seed, name)


def normal_like(x: Any, mean: float = 0.0, scale: float = 1.0, seed: Any = auto_select, name: str = "") -> Function:
    """Normal draws N(mean, scale²) with the shape, dtype and dynamic axes of ``x``."""
    return _draws("normal", [x], {"mean": float(mean), "scale": float(scale)}, seed, name)


def gumbel_like(x: Any, loc: float = 0.0, scale: float = 1.0, seed: Any = auto_select, name: str = "") -> Function:
    """Gumbel draws with the shape, dtype and dynamic axes of ``x``."""
    return _draws("gumbel", [x], {"loc": float(loc), "scale": float(scale)}, seed, name)


def bernoulli_like(x: Any, mean: float = 0.5, seed: Any = auto_select, name: str = "") -> Function:
    """0/1 draws, 1 with probability ``mean``, with the shape, dtype and dynamic axes of ``x``."""
    return _draws("bernoulli", [x], {"mean": float(mean)}, seed, name)


def _sampling_attrs(op: str, num_samples: Any, allow_duplicates: Any, seed: Any) -> dict:
    if isinstance(num_samples, bool) or int(num_samples) != num_samples or int(num_samples) < 1:
        raise ValueError("%s: the number of samples must be a positive integer, got %r" % (op, num_samples))
    return {"num_samples": int(num_samples), "allow_duplicates": bool(allow_duplicates), "seed": resolve_seed(seed)}


def random_sample(weights: Any, num_samples: int, allow_duplicates: bool, seed: Any = auto_select,
                  name: str = "") -> Function:
    """``num_samples`` classes drawn with probability proportional to the non-negative vector
    ``weights``, as one-hot rows: shape (num_samples, len(weights)), no dynamic axes, new draws at
    every evaluation. Without duplicates a class drawn again is redrawn, so num_samples must be
    smaller than the number of classes."""
    attrs = _sampling_attrs("random_sample", num_samples, allow_duplicates, seed)
    return primitive("RandomSample", [weights], attrs, name=name)


def random_sample_inclusion_frequency(weights: Any, num_samples: int, allow_duplicates: bool,
                                      seed: Any = auto_select, name: str = "") -> Function:
    """For each class, the expected number of times it appears in a `random_sample` of
    ``num_samples`` classes: exactly p * num_samples with duplicates; without, CNTK's estimate
    1 - (1 - p)**T, T the mean number of draws of 10 trial samplings. Shape (len(weights),)."""
    attrs = _sampling_attrs("random_sample_inclusion_frequency", num_samples, allow_duplicates, seed)
    return primitive("RandomSampleInclusionFrequency", [weights], attrs, name=name)
