"""Shared pieces of the hand-written recurrent scans (`scan_lstm`, `scan_gru`, `scan_rnn`).

A scan is a ``torch.autograd.Function`` over packed sequences (see `layout`): the input projection
of all steps is one matrix product done by the caller under autograd; the forward loop runs a
few in-place torch ops per step into preallocated buffers, whose per-step views are made once
per call; the backward loop is written by hand with what does not depend on the incoming gradient
computed for all steps at once before it, and the weight gradients computed after it as single
matrix products over all steps.
"""
from __future__ import annotations

import torch

Tensor = torch.Tensor

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


def derivative(name: str, y: Tensor) -> Tensor:
    """The activation's derivative at the point where it output ``y``."""
    if name == "tanh":
        return 1 - y * y
    if name == "sigmoid":
        return y - y * y
    return (y > 0).to(y.dtype)


def sigmoid_derivative(y: Tensor) -> Tensor:
    """``y * (1 - y)`` for ``y = sigmoid(z)``."""
    return y - y * y


def grad_buffer(grad, like: Tensor) -> Tensor:
    """A writable copy of an incoming gradient (zeros when autograd passed none)."""
    return torch.zeros_like(like) if grad is None else torch.empty_like(like).copy_(grad)
