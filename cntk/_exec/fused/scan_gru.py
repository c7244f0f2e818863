"""CNTK's GRU as one hand-written scan.

Per step (CNTK applies the reset gate *before* the recurrent product, unlike torch's GRU)::

    s = stabiliser(h_{t-1})                              # the state itself without self-stabilisation
    z, r = sigmoid(xp_zr_t + s @ H)                     # xp = x @ W + b, all steps at once
    c = act(xp_c_t + (r * s) @ H1)
    h_t = (1 - z) * c + z * s  =  lerp(c, s, z)
"""
from __future__ import annotations

from typing import List, Optional

import torch

from .engine import Result, Weights
from .layout import SequenceLayout
from .scan import activate_, grad_buffer, projection_gradients, times_derivative, times_sigmoid_derivative
from .weights import as_matrix, fold_stabilizers

Tensor = torch.Tensor


def _forward(xs: Tensor, W: Tensor, b: Tensor, H: Tensor, H1: Tensor, h0: Tensor, s: Optional[Tensor], act: str,
             layout: SequenceLayout):
    N, n = xs.shape[0], h0.shape[1]
    PX = torch.addmm(b, xs, W)  # each step's input projection, then in place its gates [z | r | c]
    ZR, CC = PX[:, :2 * n], PX[:, 2 * n:]
    RH, HS = PX.new_empty(N, n), PX.new_empty(N, n)
    S = PX.new_empty(N, n) if s is not None else None
    split = layout.split
    zr_t, z_t, r_t = split(ZR), split(ZR[:, :n]), split(ZR[:, n:])
    c_t, rh_t, h_t = split(CC), split(RH), split(HS)
    s_t = split(S) if s is not None else None
    h_prev = layout.previous(h_t, h0)
    for t in range(layout.steps):
        hs = torch.mul(h_prev[t], s, out=s_t[t]) if s is not None else h_prev[t]
        zr_t[t].addmm_(hs, H).sigmoid_()
        rh = torch.mul(r_t[t], hs, out=rh_t[t])
        c = activate_(act, c_t[t].addmm_(rh, H1))
        torch.lerp(c, hs, z_t[t], out=h_t[t])
    return HS, ZR, CC, RH, S


class GRUScan(torch.autograd.Function):
    """``(x, W, b, H, H1, h0, s) -> h`` over packed steps; ``s`` is the stabiliser's scalar or None."""

    @staticmethod
    def forward(ctx, xs, W, b, H, H1, h0, s, act, layout):
        HS, ZR, CC, RH, S = _forward(xs, W, b, H, H1, h0, s, act, layout)
        ctx.save_for_backward(xs, W, H, H1, h0, s, HS, ZR, CC, RH, S)
        ctx.act, ctx.layout = act, layout
        return HS

    @staticmethod
    def backward(ctx, dHS):
        xs, W, H, H1, h0, s, HS, ZR, CC, RH, S = ctx.saved_tensors
        layout: SequenceLayout = ctx.layout
        N, n = HS.shape
        z, r = ZR[:, :n], ZR[:, n:]
        H_prev = layout.shifted(HS, h0)
        S_prev = S if s is not None else H_prev
        # gradients of the pre-activations per row, laid out [u | z | r] (u: the candidate's input) so
        # that u and z come from one product with dh, and [z | r] feed one product with H^T
        A = torch.empty(N, 2, n, dtype=HS.dtype, device=HS.device)
        times_derivative(ctx.act, 1 - z, CC, out=A[:, 0])                  # du = dh * A_u
        times_sigmoid_derivative(S_prev - CC, z, out=A[:, 1])              # dz = dh * A_z
        Ar = times_sigmoid_derivative(S_prev, r)                          # dr = q * Ar,  q = du @ H1^T
        G = torch.empty(N, 3, n, dtype=HS.dtype, device=HS.device)
        Q = torch.empty_like(CC)
        DH = grad_buffer(dHS, HS)
        DS = torch.empty_like(HS) if s is not None else None
        dh0 = torch.zeros_like(h0)
        split = layout.split
        dh_t, dhu_t, a_t, ar_t, z_t, r_t = split(DH), split(DH.unsqueeze(1)), split(A), split(Ar), split(z), split(r)
        guz_t, gu_t, gr_t, gzr_t, q_t = split(G[:, :2]), split(G[:, 0]), split(G[:, 2]), split(G.view(N, -1)[:, n:]), split(Q)
        ds_t = split(DS) if s is not None else None
        dh_prev = layout.previous(dh_t, dh0)
        scale = float(s) if s is not None else 1.0
        HT, H1T = H.t(), H1.t()
        for t in range(layout.steps - 1, -1, -1):
            dh = dh_t[t]
            torch.mul(a_t[t], dhu_t[t], out=guz_t[t])
            q = torch.mm(gu_t[t], H1T, out=q_t[t])
            torch.mul(q, ar_t[t], out=gr_t[t])
            if s is None:
                dh_prev[t].addcmul_(dh, z_t[t]).addcmul_(q, r_t[t]).addmm_(gzr_t[t], HT)
            else:
                ds = torch.mul(dh, z_t[t], out=ds_t[t]).addcmul_(q, r_t[t]).addmm_(gzr_t[t], HT)
                dh_prev[t].add_(ds, alpha=scale)
        DZR, DU = G.view(N, -1)[:, n:], G[:, 0]
        dpx = torch.cat([DZR, DU], 1)
        dH = S_prev.t().mm(DZR)
        dH1 = RH.t().mm(DU)
        d_s = (DS * H_prev).sum() if s is not None else None
        return (*projection_gradients(ctx.needs_input_grad, xs, W, dpx), dH, dH1, dh0, d_s, None, None)


def gru_weights(info, w: Weights) -> Weights:
    """The stabiliser's scalar (``S_dh``) kept apart: it scales the state, not only a product."""
    w = fold_stabilizers(w, info.steepness, keep=("S_dh",))
    w["W"] = as_matrix(w["W"], w["b"].shape[0])
    return w


def gru(infos, weights: List[Weights], xs: Tensor, inits: List[List[Tensor]], layout: SequenceLayout) -> Result:
    """``Recurrence(GRU(...))`` through `GRUScan` (one layer)."""
    w = weights[0]
    HS = GRUScan.apply(xs, w["W"], w["b"], w["H"], w["H1"], inits[0][0], w.get("S_dh"), infos[0].activation, layout)
    return [HS], [layout.last(HS)]
