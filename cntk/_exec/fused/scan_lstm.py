"""CNTK's LSTM with all its options as one hand-written scan.

Per step (``n`` cell units, ``m`` output units; ``act`` the cell's activation)::

    z = xp_t + h_{t-1} @ H                              # xp = x @ W + b, all steps at once
    i = sigmoid(z_i + Ci * c_{t-1})   f = sigmoid(z_f + Cf * c_{t-1})     # peepholes optional
    g = act(z_g)                      c_t = f * c_{t-1} + i * g
    o = sigmoid(z_o + Co * c_t)       h_t = (o * act(c_t)) @ P          # projection optional

Gate blocks are kept in the order [o, i, f, g] (CNTK stores [i, g, f, o]) so that the sigmoid
gates and, in the backward pass, the gates driven by the cell gradient are contiguous.
"""
from __future__ import annotations

from typing import List, Optional

import torch

from .engine import Result, Weights
from .layout import SequenceLayout
from .scan import activate_, activate_into, grad_buffer, projection_gradients, times_derivative, times_sigmoid_derivative
from .weights import as_matrix, fold_stabilizers, gate_blocks

Tensor = torch.Tensor

SCAN_GATES = (3, 0, 2, 1)  # CNTK's [i, g, f, o] blocks as [o, i, f, g]


def _forward(xs: Tensor, W: Tensor, b: Tensor, H: Tensor, h0: Tensor, c0: Tensor, Cif: Optional[Tensor],
             Co: Optional[Tensor], P: Optional[Tensor], act: str, layout: SequenceLayout):
    N, n, m = xs.shape[0], c0.shape[1], h0.shape[1]
    # gates [o, i, f, g]: the input projection of all steps, then in place each step's recurrent
    # product and nonlinearity
    A = torch.addmm(b, xs, W).view(N, 4, n)
    C = A.new_empty(N, n)                          # cell
    AC = A.new_empty(N, n)                         # act(cell)
    HC = A.new_empty(N, n) if P is not None else None
    HS = A.new_empty(N, m)
    split = layout.split
    z_t, o_t, i_t, f_t, g_t = split(A.view(N, 4 * n)), split(A[:, 0]), split(A[:, 1]), split(A[:, 2]), split(A[:, 3])
    oif_t, if_t = split(A[:, :3]), split(A[:, 1:3])
    c_t, ac_t, h_t = split(C), split(AC), split(HS)
    hc_t = split(HC) if P is not None else h_t
    h_prev = layout.previous(h_t, h0)
    c_prev = layout.previous(c_t, c0)
    cu_prev = layout.previous(split(C.unsqueeze(1)), c0.unsqueeze(1)) if Cif is not None else None
    for t in range(layout.steps):
        z_t[t].addmm_(h_prev[t], H)
        if Cif is None:
            oif_t[t].sigmoid_()
        else:
            if_t[t].addcmul_(cu_prev[t], Cif).sigmoid_()
        activate_(act, g_t[t])
        c = torch.mul(f_t[t], c_prev[t], out=c_t[t]).addcmul_(i_t[t], g_t[t])
        if Co is not None:
            o_t[t].addcmul_(c, Co).sigmoid_()
        activate_into(act, c, ac_t[t])
        torch.mul(o_t[t], ac_t[t], out=hc_t[t])
        if P is not None:
            torch.mm(hc_t[t], P, out=h_t[t])
    return HS, C, A, AC, HC


class LSTMScan(torch.autograd.Function):
    """``(x, W, b, H, h0, c0, Cif, Co, P) -> (h, c)`` over packed steps; see the module docstring."""

    @staticmethod
    def forward(ctx, xs, W, b, H, h0, c0, Cif, Co, P, act, layout):
        HS, C, A, AC, HC = _forward(xs, W, b, H, h0, c0, Cif, Co, P, act, layout)
        ctx.save_for_backward(xs, W, H, h0, c0, Cif, Co, P, HS, C, A, AC, HC)
        ctx.act, ctx.layout = act, layout
        return HS, C

    @staticmethod
    def backward(ctx, dHS, dC):
        xs, W, H, h0, c0, Cif, Co, P, HS, C, A, AC, HC = ctx.saved_tensors
        layout: SequenceLayout = ctx.layout
        N, n = C.shape
        o, i, f, g = A.unbind(1)
        C_prev = layout.shifted(C, c0)
        # everything that does not depend on the incoming gradient, for all steps at once
        M = torch.empty_like(A)
        times_sigmoid_derivative(AC, o, out=M[:, 0])                       # dz_o = dhc * M_o
        times_sigmoid_derivative(g, i, out=M[:, 1])                        # dz_i = dc * M_i
        times_sigmoid_derivative(C_prev, f, out=M[:, 2])                   # dz_f = dc * M_f
        times_derivative(ctx.act, i, g, out=M[:, 3])                       # dz_g = dc * M_g
        K = times_derivative(ctx.act, o, AC)                               # dc += dhc * K
        F_ = f
        if Cif is not None:
            K = K + M[:, 0] * Co
            F_ = f + M[:, 1] * Cif[0] + M[:, 2] * Cif[1]                  # dc_{t-1} = dc_t * F_
        DZ = torch.empty_like(A)
        DH = grad_buffer(dHS, HS)
        DC = grad_buffer(dC, C)
        dh0, dc0 = torch.zeros_like(h0), torch.zeros_like(c0)
        DHC = torch.empty_like(C) if P is not None else None
        split = layout.split
        dh_t, dc_t, dcu_t = split(DH), split(DC), split(DC.unsqueeze(1))
        dz_t, dzo_t, dzifg_t = split(DZ.view(N, -1)), split(DZ[:, 0]), split(DZ[:, 1:])
        mo_t, mifg_t, k_t, f_t = split(M[:, 0]), split(M[:, 1:]), split(K), split(F_)
        dhc_t = split(DHC) if P is not None else dh_t
        dh_prev, dc_prev = layout.previous(dh_t, dh0), layout.previous(dc_t, dc0)
        HT = H.t()
        PT = P.t() if P is not None else None
        for t in range(layout.steps - 1, -1, -1):
            dhc = torch.mm(dh_t[t], PT, out=dhc_t[t]) if P is not None else dh_t[t]
            dc = dc_t[t].addcmul_(dhc, k_t[t])
            torch.mul(dhc, mo_t[t], out=dzo_t[t])
            torch.mul(mifg_t[t], dcu_t[t], out=dzifg_t[t])
            dh_prev[t].addmm_(dz_t[t], HT)
            dc_prev[t].addcmul_(dc, f_t[t])
        dz = DZ.view(N, -1)
        dH = layout.shifted(HS, h0).t().mm(dz)
        dCif = (DZ[:, 1:3] * C_prev.unsqueeze(1)).sum(0) if Cif is not None else None
        dCo = (DZ[:, 0] * C).sum(0) if Co is not None else None
        dP = HC.t().mm(DH) if P is not None else None
        return (*projection_gradients(ctx.needs_input_grad, xs, W, dz), dH, dh0, dc0, dCif, dCo, dP, None, None)


def lstm_weights(info, w: Weights) -> Weights:
    """Stabilisers folded, gate blocks in the scan's order, peephole weights as ``Cif`` = [Ci, Cf]."""
    w = fold_stabilizers(w, info.steepness)
    n4 = w["b"].shape[0]
    out = {"W": gate_blocks(as_matrix(w["W"], n4), SCAN_GATES), "H": gate_blocks(w["H"], SCAN_GATES),
           "b": gate_blocks(w["b"], SCAN_GATES)}
    if info.use_peepholes:
        out["Cif"], out["Co"] = torch.stack([w["Ci"], w["Cf"]]), w["Co"]
    if "P" in w:
        out["P"] = w["P"]
    return out


def lstm(infos, weights: List[Weights], xs: Tensor, inits: List[List[Tensor]], layout: SequenceLayout) -> Result:
    """``Recurrence(LSTM(...))`` with any of CNTK's options through `LSTMScan`; a stack of them
    runs layer by layer, each reading the sequence of the one below."""
    for info, w, (h0, c0) in zip(infos, weights, inits):
        xs, C = LSTMScan.apply(xs, w["W"], w["b"], w["H"], h0, c0, w.get("Cif"), w.get("Co"), w.get("P"),
                               info.activation, layout)
    return [xs, C], [layout.last(xs), layout.last(C)]
