"""A plain RNN step ``h_t = act(x_t @ W + b + h_{t-1} @ H)`` as one hand-written scan, for the
activations torch's RNN lacks (CNTK's `RNNStep` defaults to sigmoid)."""
from __future__ import annotations

from typing import List

import torch

from .engine import Result, Weights
from .layout import SequenceLayout
from .scan import activate_, grad_buffer, projection_gradients, times_derivative
from .weights import as_matrix, fold_stabilizers

Tensor = torch.Tensor


class RNNScan(torch.autograd.Function):
    """``(x, W, b, H, h0) -> h`` over packed steps."""

    @staticmethod
    def forward(ctx, xs, W, b, H, h0, act, layout):
        HS = torch.addmm(b, xs, W)  # each step's input projection, then in place its state
        h_t = layout.split(HS)
        h_prev = layout.previous(h_t, h0)
        for t in range(layout.steps):
            activate_(act, h_t[t].addmm_(h_prev[t], H))
        ctx.save_for_backward(xs, W, H, h0, HS)
        ctx.act, ctx.layout = act, layout
        return HS

    @staticmethod
    def backward(ctx, dHS):
        xs, W, H, h0, HS = ctx.saved_tensors
        layout: SequenceLayout = ctx.layout
        DH = grad_buffer(dHS, HS)
        DZ = torch.empty_like(HS)
        dh0 = torch.zeros_like(h0)
        dh_t, dz_t, h_t = layout.split(DH), layout.split(DZ), layout.split(HS)
        dh_prev = layout.previous(dh_t, dh0)
        HT = H.t()
        for t in range(layout.steps - 1, -1, -1):
            dh_prev[t].addmm_(times_derivative(ctx.act, dh_t[t], h_t[t], out=dz_t[t]), HT)
        return (*projection_gradients(ctx.needs_input_grad, xs, W, DZ), layout.shifted(HS, h0).t().mm(DZ), dh0,
                None, None)


def rnn_weights(info, w: Weights) -> Weights:
    """The stabiliser folded into ``H``."""
    w = fold_stabilizers(w, info.steepness)
    w["W"] = as_matrix(w["W"], w["b"].shape[0])
    return w


def rnn(infos, weights: List[Weights], xs: Tensor, inits: List[List[Tensor]], layout: SequenceLayout) -> Result:
    """``Recurrence(RNNStep(...))`` with any of the activations in `scan.ACTIVATIONS` (one layer)."""
    w = weights[0]
    HS = RNNScan.apply(xs, w["W"], w["b"], w["H"], inits[0][0], infos[0].activation, layout)
    return [HS], [layout.last(HS)]
