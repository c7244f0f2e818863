"""Matrix products: Times (``x @ W`` over W's input axes) and TransposeTimes (``x @ W.T``)."""
from __future__ import annotations

import math

import torch

from . import Call, align, kernel


@kernel("Times")
def _times(call: Call):
    x, w = call.args
    out_rank = call.attrs.get("output_rank", 1)
    w_static = tuple(w.t.shape[w.dyn:])
    k = len(w_static) - out_rank
    w_in, w_out = w_static[:k], w_static[k:]
    K, N = math.prod(w_in), math.prod(w_out)
    lead = tuple(x.t.shape[:x.dyn])
    x_static = tuple(x.t.shape[x.dyn:])
    m_shape = x_static[:len(x_static) - k]
    if w.dyn == 0:
        y = x.t.reshape(-1, K).matmul(w.t.reshape(K, N))
        return [y.reshape(lead + m_shape + w_out)]
    # the right operand carries data: one product per sample, the operand with fewer dynamic axes repeated
    out_dyn = call.out_dyn[0]
    xa = align(x, out_dyn, len(x_static))
    wa = align(w, out_dyn, len(w_static))
    y = torch.matmul(xa.reshape(tuple(xa.shape[:out_dyn]) + (-1, K)), wa.reshape(tuple(wa.shape[:out_dyn]) + (K, N)))
    return [y.reshape(tuple(y.shape[:out_dyn]) + m_shape + w_out)]


@kernel("TransposeTimes")
def _transpose_times(call: Call):
    x, w = call.args
    w_static = tuple(w.t.shape[w.dyn:])
    n_in = w_static[-1]
    w_out = w_static[:-1] if len(w_static) > 1 else (1,)  # a vector right operand acts as a (1, n) matrix
    lead = tuple(x.t.shape[:x.dyn])
    m_shape = tuple(x.t.shape[x.dyn:-1])
    if w.dyn:  # both operands carry data (e.g. labels in a loss): one product per sample
        out_dyn = call.out_dyn[0]
        xa = align(x, out_dyn, x.static_rank)
        wa = align(w, out_dyn, len(w_static))
        xm = xa.reshape(tuple(xa.shape[:out_dyn]) + (-1, n_in))
        wm = wa.reshape(tuple(wa.shape[:out_dyn]) + (-1, n_in))
        y = torch.matmul(xm, wm.transpose(-1, -2))
        return [y.reshape(tuple(y.shape[:out_dyn]) + m_shape + w_out)]
    y = x.t.reshape(-1, n_in).matmul(w.t.reshape(-1, n_in).t())
    return [y.reshape(lead + m_shape + w_out)]
