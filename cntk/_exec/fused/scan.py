"""Shared pieces of the hand-written recurrent scans (`scan_lstm`, `scan_gru`, `scan_rnn`).

A scan is a ``torch.autograd.Function`` over packed sequences (see `layout`): the input projection
of all steps is one matrix product, written into the buffer of the pre-activations so that each
step adds its recurrent product in place (``torch.addmm`` with a separate input would copy it
first); the forward loop runs a few in-place torch ops per step into preallocated buffers, whose
per-step views are made once per call; the backward loop is written by hand with what does not
depend on the incoming gradient computed for all steps at once before it, and the weight
gradients computed after it as single matrix products over all steps.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch

Tensor = torch.Tensor
_aten = torch.ops.aten

ACTIVATIONS = ("tanh", "sigmoid", "relu")


def activate_(name: str, t: Tensor) -> Tensor:
    """Apply the activation ``name`` to ``t`` in place."""
    if name == "tanh":
        return t.tanh_()
    if name == "sigmoid":
        return t.sigmoid_()
    return t.relu_()


def activate_into(name: str, src: Tensor, out: Tensor) -> Tensor:
    """``out = activation(src)``."""
    if name == "tanh":
        return torch.tanh(src, out=out)
    if name == "sigmoid":
        return torch.sigmoid(src, out=out)
    return torch.clamp_min(src, 0, out=out)


def times_derivative(name: str, grad: Tensor, y: Tensor, out: Optional[Tensor] = None) -> Tensor:
    """``grad`` times the activation's derivative at the point where it output ``y``: one pass over
    memory for tanh and sigmoid (torch's own backward kernels), into ``out`` when given."""
    if name == "tanh":
        return _aten.tanh_backward(grad, y) if out is None else _aten.tanh_backward.grad_input(grad, y, grad_input=out)
    if name == "sigmoid":
        return times_sigmoid_derivative(grad, y, out)
    return torch.mul(grad, y > 0, out=out)


def times_sigmoid_derivative(grad: Tensor, y: Tensor, out: Optional[Tensor] = None) -> Tensor:
    """``grad * y * (1 - y)`` for ``y = sigmoid(z)``, in one pass (into ``out`` when given)."""
    if out is None:
        return _aten.sigmoid_backward(grad, y)
    return _aten.sigmoid_backward.grad_input(grad, y, grad_input=out)


def projection_gradients(needs: Tuple[bool, ...], xs: Tensor, W: Tensor, dz: Tensor) -> Tuple[Optional[Tensor], ...]:
    """The gradients of the input projection ``xs @ W + b`` that a scan computes itself, for
    ``needs`` (``ctx.needs_input_grad`` of ``xs``, ``W``, ``b``), from the pre-activations' ``dz``."""
    return (dz.mm(W.t()) if needs[0] else None, xs.t().mm(dz) if needs[1] else None,
            dz.sum(0) if needs[2] else None)


def grad_buffer(grad, like: Tensor) -> Tensor:
    """A writable copy of an incoming gradient (zeros when autograd passed none)."""
    return torch.zeros_like(like) if grad is None else torch.empty_like(like).copy_(grad)
