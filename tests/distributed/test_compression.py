"""Gradient sums between workers: exact, bfloat16, quantised with error feedback (one worker here:
the coding is the same, the sum is over a single worker)."""
import numpy as np
import pytest
import torch

from cntk._distributed.compression import (BFloat16Sum, ExactSum, QuantizedSum, dequantize, gradient_sum, pack,
                                           quantize, unpack)


@pytest.mark.parametrize('bits', range(1, 16))
def test_packing_round_trips(bits):
    codes = torch.randint(0, 1 << bits, (37,), generator=torch.Generator().manual_seed(bits))
    packed = pack(codes, bits)
    assert packed.numel() == (-(-37 // (8 // bits)) if bits <= 8 else 37)
    assert torch.equal(unpack(packed, bits, 37), codes)


def test_one_bit_codes_the_sign_and_reconstructs_the_means():
    rows = torch.tensor([[1.0, 3.0, -2.0, -4.0], [0.5, 1.5, 2.5, 3.5]])
    codes, offset, step = quantize(rows, 1)
    assert codes.tolist() == [[1, 1, 0, 0], [1, 1, 1, 1]]
    assert dequantize(codes, offset, step).tolist() == [[2.0, 2.0, -3.0, -3.0], [2.0, 2.0, 2.0, 2.0]]


@pytest.mark.parametrize('bits', [2, 4, 8, 12])
def test_more_bits_round_to_even_levels_between_the_extremes(bits):
    rows = torch.randn(3, 50, generator=torch.Generator().manual_seed(1))
    codes, offset, step = quantize(rows, bits)
    error = (dequantize(codes, offset, step) - rows).abs()
    assert bool((error <= step.unsqueeze(1) / 2 + 1e-6).all()) and int(codes.max()) <= (1 << bits) - 1


def test_error_feedback_carries_what_the_coding_lost():
    summer = QuantizedSum(1)
    gen = torch.Generator().manual_seed(0)
    grads = [[torch.randn(4, 3, generator=gen), torch.randn(5, generator=gen)] for _ in range(6)]
    sent = [summer.sum(g) for g in grads]
    for i in range(2):
        total_in = sum(g[i] for g in grads)
        total_out = sum(s[i] for s in sent)
        torch.testing.assert_close(total_out + summer._residuals[i], total_in, rtol=1e-5, atol=1e-5)
    assert not torch.equal(sent[0][0], grads[0][0])


def test_exact_and_bfloat16_sums():
    g = [torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([1e-3 + 1e-6])]
    assert all(torch.equal(a, b) for a, b in zip(ExactSum().sum(g), g))
    halved = BFloat16Sum().sum(g)
    assert halved[1].dtype == torch.float32 and float(halved[1]) == float(g[1].to(torch.bfloat16))
    np.testing.assert_allclose(halved[0].numpy(), g[0].numpy())


def test_the_bits_choose_the_sum():
    assert type(gradient_sum(32)) is ExactSum and type(gradient_sum(16)) is BFloat16Sum
    assert type(gradient_sum(24)) is BFloat16Sum and gradient_sum(3).bits == 3
    with pytest.raises(ValueError, match='between 1 and 32'):
        gradient_sum(0)
    with pytest.raises(ValueError, match='1 to 15 bits'):
        QuantizedSum(16)
