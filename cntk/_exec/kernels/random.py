"""Kernels of the random ops: draws from CNTK's per-op Mersenne Twister streams (cntk/_graph/rng.py)."""
from __future__ import annotations

import numpy as np
import torch

from ..._graph import rng
from ..._graph.variable import torch_dtype
from . import Call, kernel
from .columns import columns_of

_DISTRIBUTIONS = {
    "uniform": lambda s, n, a: rng.uniform(s, n, a["low"], a["high"]),
    "normal": lambda s, n, a: rng.normal(s, n, a["mean"], a["scale"]),
    "gumbel": lambda s, n, a: rng.gumbel(s, n, a["loc"], a["scale"]),
    "bernoulli": lambda s, n, a: rng.bernoulli(s, n, a["mean"]),
}


def _stream(call: Call) -> rng.Mt64Stream:
    """The op's random stream, started from its seed on first use and continued by every evaluation."""
    state = call.fn.__dict__.get("_rng_stream")
    if state is None:
        state = call.fn.__dict__["_rng_stream"] = rng.Mt64Stream(call.attrs["seed"])
    return state


def _draw(call: Call, count: int) -> np.ndarray:
    return _DISTRIBUTIONS[call.attrs["distribution"]](_stream(call), count, call.attrs)


@kernel("RandomDistribution")
def _random_distribution(call: Call):
    """Fills the tensor in CNTK's order: sample by sample through the minibatch columns (gaps of
    ragged sequences included), elements of a sample in row-major order."""
    if not call.args:
        shape = tuple(call.attrs["shape"])
        values = _draw(call, int(np.prod(shape, dtype=np.int64)))
        return [torch.as_tensor(values.reshape(shape), dtype=torch_dtype(call.attrs["dtype"]))]
    like = call.args[0]
    sample = tuple(like.t.shape[like.dyn:])
    if like.dyn == 0:
        values = torch.as_tensor(_draw(call, int(np.prod(sample, dtype=np.int64))).reshape(sample))
        return [values.to(dtype=like.t.dtype, device=like.t.device)]
    cols = columns_of(call, 0)
    draws = _draw(call, cols.count * int(np.prod(sample, dtype=np.int64)))
    values = torch.as_tensor(draws.reshape((cols.count,) + sample))
    return [cols.scatter(values.to(dtype=like.t.dtype, device=like.t.device))]


def _weights(call: Call) -> np.ndarray:
    w = call.args[0].t.detach().cpu().numpy().reshape(-1)
    if (w < 0).any():
        raise ValueError("%s: sampling weights must be non-negative, got %s" % (call.fn.op_name, w[w < 0][:4].tolist()))
    return w


@kernel("RandomSample")
def _random_sample(call: Call):
    """One-hot rows of the classes drawn, (num_samples, classes)."""
    w = _weights(call)
    classes, _ = rng.sample_classes(_stream(call), rng.prefix_sums(w), call.attrs["num_samples"],
                                    call.attrs["allow_duplicates"])
    x = call.args[0].t
    out = torch.zeros((len(classes), w.shape[0]), dtype=x.dtype, device=x.device)
    out[torch.arange(len(classes)), torch.tensor(classes)] = 1.0
    return [out]


@kernel("RandomSampleInclusionFrequency")
def _inclusion_frequency(call: Call):
    """Computed again only when the weights change (CNTK keeps the value while its input does not change)."""
    w = _weights(call)
    key = w.tobytes()
    memo = call.fn.__dict__.get("_inclusion_memo")
    if memo is None or memo[0] != key:
        value = rng.inclusion_frequencies(_stream(call), w, call.attrs["num_samples"], call.attrs["allow_duplicates"])
        memo = call.fn.__dict__["_inclusion_memo"] = (key, value)
    x = call.args[0].t
    return [torch.as_tensor(memo[1], dtype=x.dtype, device=x.device)]
