"""Summing gradients over the workers, exactly or compressed (``num_quantization_bits``).

* 32 bits: the exact sum (one all-reduce of all gradients in one buffer).
* 16 to 31 bits: the workers' gradients are sent and added as bfloat16 (the scheme of torch's
  ``bf16_compress_hook``: float32's exponent range, an 8-bit mantissa).
* 1 to 15 bits: quantisation with error feedback, after the idea of 1-bit SGD (Seide et al.,
  2014). Each slice along a gradient's first axis is coded with ``bits`` bits per element:
  with 1 bit, the sign, reconstructed as the mean of the slice's non-negative or of its negative
  values; with more bits, levels evenly spaced between the slice's minimum and maximum. What
  the coding loses is added to the next minibatch's gradient on the same worker. Workers
  exchange the packed codes (``8 // bits`` codes per byte up to 8 bits, 16-bit codes above)
  and two float32 numbers per slice, and all add the decoded gradients in rank order.

None of this is bit-identical to CNTK's 1-bit SGD, whose column layout, thresholds and
residual handling differ; it trades exactness for traffic in the same way.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import torch

from .collectives import all_gather, all_reduce_sum

_WHAT = 'summing the gradients'


def _flat(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    return torch.cat([t.detach().reshape(-1) for t in tensors])


def _unflatten(flat: torch.Tensor, like: Sequence[torch.Tensor]) -> List[torch.Tensor]:
    pieces = torch.split(flat, [t.numel() for t in like])
    return [p.reshape(t.shape).to(t.dtype) for p, t in zip(pieces, like)]


class ExactSum:
    """The exact sum over workers."""

    bits = 32

    def sum(self, grads: Sequence[torch.Tensor]) -> List[torch.Tensor]:
        """The workers' gradients added up, one tensor per parameter."""
        return _unflatten(all_reduce_sum(_flat(grads), _WHAT), grads)


class BFloat16Sum(ExactSum):
    """The sum of the workers' gradients sent as bfloat16."""

    bits = 16

    def sum(self, grads: Sequence[torch.Tensor]) -> List[torch.Tensor]:
        return _unflatten(all_reduce_sum(_flat(grads).to(torch.bfloat16), _WHAT).float(), grads)


def _slices(t: torch.Tensor) -> torch.Tensor:
    """``t`` as a matrix with one row per slice along its first axis (a single row below rank 2)."""
    return t.reshape(t.shape[0], -1) if t.dim() >= 2 else t.reshape(1, -1)


def pack(codes: torch.Tensor, bits: int) -> torch.Tensor:
    """Codes in ``[0, 2**bits)`` packed ``8 // bits`` to a byte (as int16 above 8 bits)."""
    if bits > 8:
        return codes.to(torch.int16)
    per = 8 // bits
    padded = torch.nn.functional.pad(codes.to(torch.int32), (0, (-codes.numel()) % per)).reshape(-1, per)
    shifts = torch.arange(per, dtype=torch.int32, device=codes.device) * bits
    return (padded << shifts).sum(dim=1).to(torch.uint8)


def unpack(packed: torch.Tensor, bits: int, count: int) -> torch.Tensor:
    """The first ``count`` codes of `pack`'s output, as int64."""
    if bits > 8:
        return packed.to(torch.int64)[:count]
    per = 8 // bits
    shifts = torch.arange(per, dtype=torch.int32, device=packed.device) * bits
    return ((packed.to(torch.int32).unsqueeze(1) >> shifts) & ((1 << bits) - 1)).reshape(-1)[:count].to(torch.int64)


def quantize(rows: torch.Tensor, bits: int) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(codes, offset per row, step per row): each row reconstructed as ``offset + code * step``."""
    if bits == 1:
        nonneg = rows >= 0
        n_pos = nonneg.sum(dim=1)
        n_neg = rows.shape[1] - n_pos
        pos_mean = torch.where(nonneg, rows, 0).sum(dim=1) / n_pos.clamp(min=1)
        neg_mean = torch.where(nonneg, 0, rows).sum(dim=1) / n_neg.clamp(min=1)
        offset = torch.where(n_neg > 0, neg_mean, pos_mean)
        step = torch.where((n_neg > 0) & (n_pos > 0), pos_mean - neg_mean, torch.zeros_like(pos_mean))
        return nonneg.to(torch.int64), offset, step
    levels = (1 << bits) - 1
    low, high = rows.min(dim=1).values, rows.max(dim=1).values
    step = (high - low) / levels
    safe = torch.where(step > 0, step, torch.ones_like(step))
    codes = torch.round((rows - low.unsqueeze(1)) / safe.unsqueeze(1)).clamp(0, levels).to(torch.int64)
    return codes, low, step


def dequantize(codes: torch.Tensor, offset: torch.Tensor, step: torch.Tensor) -> torch.Tensor:
    """The rows `quantize` coded."""
    return offset.unsqueeze(1) + codes.to(offset.dtype) * step.unsqueeze(1)


class QuantizedSum:
    """The sum of the workers' gradients quantised to ``bits`` bits with error feedback."""

    def __init__(self, bits: int) -> None:
        if not 1 <= bits < 16:
            raise ValueError('quantised gradient sums take 1 to 15 bits, got %d' % bits)
        self.bits = bits
        self._residuals: Optional[List[torch.Tensor]] = None

    def sum(self, grads: Sequence[torch.Tensor]) -> List[torch.Tensor]:
        if self._residuals is None:
            self._residuals = [torch.zeros_like(g, dtype=torch.float32) for g in grads]
        rows_per, codes, offsets, steps = [], [], [], []
        for i, g in enumerate(grads):
            rows = _slices(g.detach().float() + self._residuals[i])
            c, o, s = quantize(rows, self.bits)
            self._residuals[i] = (rows - dequantize(c, o, s)).reshape(g.shape)
            rows_per.append(rows.shape)
            codes.append(c.reshape(-1))
            offsets.append(o)
            steps.append(s)
        all_codes = torch.cat(codes)
        packed = all_gather(pack(all_codes, self.bits), _WHAT)
        scales = all_gather(torch.stack([torch.cat(offsets), torch.cat(steps)]), _WHAT)
        total: Optional[List[torch.Tensor]] = None
        for worker in range(packed.shape[0]):
            decoded = self._decode(unpack(packed[worker], self.bits, all_codes.numel()), scales[worker], rows_per)
            total = decoded if total is None else [a + b for a, b in zip(total, decoded)]
        return [t.reshape(g.shape).to(g.dtype) for t, g in zip(total, grads)]

    @staticmethod
    def _decode(codes: torch.Tensor, scales: torch.Tensor, shapes: List[torch.Size]) -> List[torch.Tensor]:
        out, at_code, at_row = [], 0, 0
        for rows, cols in shapes:
            c = codes[at_code:at_code + rows * cols].reshape(rows, cols)
            out.append(dequantize(c, scales[0, at_row:at_row + rows], scales[1, at_row:at_row + rows]))
            at_code += rows * cols
            at_row += rows
        return out


def gradient_sum(num_quantization_bits: int):
    """The gradient summation for CNTK's ``num_quantization_bits`` (1 to 32)."""
    bits = int(num_quantization_bits)
    if bits >= 32:
        return ExactSum()
    if bits >= 16:
        return BFloat16Sum()
    if bits < 1:
        raise ValueError('num_quantization_bits must be between 1 and 32, got %d' % bits)
    return QuantizedSum(bits)
