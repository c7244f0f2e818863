"""Gradient pre-processing and parameter post-processing shared by every built-in learner.

Order per parameter (as CNTK does it): L2 → clipping → noise → learner rule → L1.
All functions work on torch tensors of the parameter's dtype and device.
"""
from __future__ import annotations

import math
from typing import Optional

import torch


def add_l2(gradient: torch.Tensor, param: torch.Tensor, weight: float, sample_count: int) -> torch.Tensor:
    """``g + weight·N·p``: the L2 weight is per sample, so it grows with the minibatch."""
    if weight == 0.0:
        return gradient
    return gradient.add(param, alpha=weight * sample_count)


def clip(gradient: torch.Tensor, threshold_per_sample: float, sample_count: int, truncation: bool) -> torch.Tensor:
    """Clip the summed gradient to ``threshold_per_sample·N``.

    ``truncation=True`` clamps element-wise; False rescales the whole tensor when its L2 norm
    exceeds the threshold (per parameter tensor, not globally).
    """
    if math.isinf(threshold_per_sample):
        return gradient
    theta = threshold_per_sample * sample_count
    if truncation:
        return gradient.clamp(-theta, theta)
    # factor = θ/‖g‖ when the norm exceeds θ, else exactly 1 (kept on the device: no host sync)
    factor = (theta / torch.linalg.vector_norm(gradient)).clamp_(max=1.0)
    return gradient * factor


def add_noise_(param: torch.Tensor, std_dev: float, generator: Optional[torch.Generator]) -> None:
    """Add N(0, std_dev²) noise to the parameter in place (drawn on the CPU so runs are device-independent)."""
    if std_dev == 0.0:
        return
    noise = torch.randn(param.shape, generator=generator, dtype=torch.float64) * std_dev
    param.add_(noise.to(device=param.device, dtype=param.dtype))


def soft_threshold_(param: torch.Tensor, amount: float) -> None:
    """Proximal L1 step in place: ``p ← sign(p)·max(|p| − amount, 0)``."""
    if amount == 0.0:
        return
    shrunk = (param.abs() - amount).clamp_(min=0.0)
    param.copy_(torch.sign(param) * shrunk)
