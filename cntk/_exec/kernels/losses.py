"""Kernels of the loss and metric ops (definitions in cntk/_ops/losses.py)."""
from __future__ import annotations

from typing import Callable, List, Tuple

import numpy as np
import torch

from . import Call, align, aligned, kernel
from .columns import Columns, columns_of
from .minibatch_metrics import edit_distance_error, lambda_rank_gradient, ndcg_at_1_value, ndcg_value

# CNTK's constants in binary_cross_entropy, as float32 numbers
_EPS = float(np.float32(1e-6))
_ONE_PLUS_EPS = float(np.float32(1.0) + np.float32(1e-6))


def _static_dims(t: torch.Tensor, dyn: int) -> Tuple[int, ...]:
    return tuple(range(dyn, t.dim()))


def _sum_static(t: torch.Tensor, dyn: int) -> torch.Tensor:
    dims = _static_dims(t, dyn)
    return t.sum(dim=dims) if dims else t


class _NoGradient(torch.autograd.Function):
    """Computes a value that CNTK refuses to differentiate: asking for a gradient through it raises."""

    @staticmethod
    def forward(ctx, compute: Callable, message: str, *inputs: torch.Tensor) -> torch.Tensor:
        ctx.message = message
        return compute(*inputs)

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(ctx.message)


def _evaluation_only(call: Call, compute: Callable, *inputs: torch.Tensor) -> torch.Tensor:
    message = "%s is an evaluation-only operation in CNTK: it has no gradient" % call.fn.op_name
    return _NoGradient.apply(compute, message, *inputs)


# --- per-sample losses ------------------------------------------------------------------------------------------------
@kernel("SquaredError")
def _squared_error(call: Call):
    o, t = aligned(call)
    return [_sum_static((o - t) ** 2, call.out_dyn[0])]


@kernel("BinaryCrossEntropy")
def _binary_cross_entropy(call: Call):
    o, t = aligned(call)
    return [-(t * torch.log(_EPS + o) + (1 - t) * torch.log(_ONE_PLUS_EPS - o))]


@kernel("CosDistance")
def _cos_distance(call: Call):
    x, y = aligned(call)
    dyn = call.out_dyn[0]
    inv_x = 1.0 / torch.sqrt(_sum_static(x * x, dyn))
    inv_y = 1.0 / torch.sqrt(_sum_static(y * y, dyn))
    return [_sum_static(x * y, dyn) * inv_x * inv_y]


# --- cross entropy and classification error --------------------------------------------------------------------------
def _own_rank(call: Call, k: int) -> torch.Tensor:
    """Operand ``k`` with the output's dynamic dims and its own static shape."""
    a = call.args[k]
    return align(a, call.out_dyn[0], a.static_rank)


def _as_matrix(t: torch.Tensor, rank: int) -> torch.Tensor:
    return t if rank == 2 else t.unsqueeze(-2)


def _target_product(call: Call, output: torch.Tensor) -> torch.Tensor:
    """CNTK's ``TransposeTimes(target, output)``: [..., b, a] = target[a]·output[b], shaped
    output.shape[:-1] + (target rows or 1,)."""
    o_rank, t_rank = call.args[0].static_rank, call.args[1].static_rank
    target = _own_rank(call, 1)
    if o_rank == 1 and t_rank == 1 and target.shape[-1] == output.shape[-1]:
        # vectors: a dot product per sample (as a batched matrix product, its backward is an outer
        # product per sample, several times slower)
        return (target * output).sum(dim=-1, keepdim=True)
    prod = torch.einsum("...ac,...bc->...ba", _as_matrix(target, t_rank), _as_matrix(output, o_rank))
    return prod if o_rank == 2 else prod.squeeze(-2)


def _axis_dim(call: Call, own_rank: int, rank: int) -> int:
    """Tensor dim of the node's axis, counted (as CNTK does) on an operand of static rank ``own_rank``
    that is aligned to ``rank`` static dims."""
    axis = call.attrs["axis"]
    return call.out_dyn[0] + rank - own_rank + (axis + own_rank if axis < 0 else axis)


def _reduced_path(call: Call) -> Tuple[torch.Tensor, torch.Tensor, int, int]:
    """Both operands aligned, with the dim of the node's axis in the output (counted on the output's
    own rank) and in a product of the two (counted on the broadcast rank)."""
    o, t = aligned(call)
    rank = o.dim() - call.out_dyn[0]
    return o, t, _axis_dim(call, call.args[0].static_rank, rank), _axis_dim(call, rank, rank)


@kernel("CrossEntropyWithSoftmax")
def _cross_entropy_with_softmax(call: Call):
    """logsumexp(o) - t·o: as CNTK's matrix product for the default axis, else reduced along the axis."""
    axis = call.attrs.get("axis", -1)
    dyn = call.out_dyn[0]
    if axis == -1:
        o = _own_rank(call, 0)
        return [torch.logsumexp(o, dim=-1, keepdim=True) - _target_product(call, o)]
    if axis is None:
        o, t = aligned(call)
        return [torch.logsumexp(o.flatten(dyn), dim=-1) - _sum_static(t * o, dyn)]
    o, t, o_dim, both_dim = _reduced_path(call)
    return [torch.logsumexp(o, dim=o_dim, keepdim=True) - (t * o).sum(dim=both_dim, keepdim=True)]


def _first_argmax(x: torch.Tensor) -> torch.Tensor:
    """Index of the first maximum along the last dim, as CNTK scans for it: from entry 0, moving on
    to an entry only when it is greater. A NaN is never greater, so it is passed over, and a NaN
    at entry 0 keeps index 0 (torch's argmax would pick a NaN instead)."""
    first = x.argmax(dim=-1)  # the first of equal maxima, or the first NaN
    nan_rows = torch.isnan(x.gather(-1, first.unsqueeze(-1)).squeeze(-1))
    if bool(nan_rows.any()):
        without_nan = torch.nan_to_num(x, nan=float("-inf"), posinf=float("inf"), neginf=float("-inf"))
        first = torch.where(nan_rows & ~torch.isnan(x[..., 0]), without_nan.argmax(dim=-1), torch.where(nan_rows, 0, first))
    return first


def _hardmax_sample(o: torch.Tensor, dyn: int) -> torch.Tensor:
    """1 at the first maximum of each sample (all static axes together), 0 elsewhere."""
    flat = o.flatten(dyn)
    return torch.zeros_like(flat).scatter_(-1, _first_argmax(flat).unsqueeze(-1), 1.0).reshape(o.shape)


@kernel("ClassificationError")
def _classification_error(call: Call):
    """1 - t·hardmax(o) for the default axis; along another axis, the mean over the remaining
    positions of "t differs from (o == max)"; for topN > 1 a count over the minibatch."""
    if call.attrs.get("topN", 1) > 1:
        return [_top_n_error(call)]
    axis = call.attrs.get("axis", -1)
    if axis == -1:
        o = _own_rank(call, 0).detach()
        if call.args[0].static_rank == 1 and call.args[1].static_rank == 1:
            t = _own_rank(call, 1)
            if t.shape == o.shape:  # vectors: the target's entry at the output's first maximum
                return [1.0 - t.gather(-1, _first_argmax(o).unsqueeze(-1))]
        return [1.0 - _target_product(call, _hardmax_sample(o, call.out_dyn[0]))]
    with torch.no_grad():  # comparisons only: no gradient, as in CNTK
        return [_error_along_axis(call) if axis is not None else _error_over_sample(call)]


def _error_over_sample(call: Call) -> torch.Tensor:
    dyn = call.out_dyn[0]
    o, t = aligned(call)
    is_max = o == o.flatten(dyn).amax(dim=-1).reshape(o.shape[:dyn] + (1,) * (o.dim() - dyn))
    return (_sum_static((t != is_max).to(o.dtype), dyn) >= 1).to(o.dtype)


def _error_along_axis(call: Call) -> torch.Tensor:
    o, t, o_dim, both_dim = _reduced_path(call)
    is_max = o == o.amax(dim=o_dim, keepdim=True)
    wrong = ((t != is_max).to(o.dtype).sum(dim=both_dim, keepdim=True) >= 1).to(o.dtype)
    return wrong.mean(dim=_static_dims(wrong, call.out_dyn[0]))


def _top_n_error(call: Call) -> torch.Tensor:
    """Number of valid samples whose target class is not among the topN outputs (stable order)."""
    k = call.attrs["topN"]
    dyn = call.args[0].dyn
    o, t = call.args[0].t, align(call.args[1], dyn, call.args[1].static_rank)
    valid = _valid_positions(call, 0)

    def count(o: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        top = torch.argsort(o.flatten(dyn), dim=-1, descending=True, stable=True)[..., :k]
        hit = (top == _first_argmax(t.flatten(dyn)).unsqueeze(-1)).any(dim=-1)
        return ((~hit) & valid).to(o.dtype).sum()
    return _evaluation_only(call, count, o, t)


def _valid_positions(call: Call, k: int) -> torch.Tensor:
    """True at the real (non-padding) batch[/step] positions of operand ``k``."""
    a = call.args[k]
    if a.dyn == 2:
        return call.ctx.step_mask(call.node.inputs[k], a.t)
    return torch.ones(a.t.shape[:a.dyn], dtype=torch.bool, device=a.t.device)


# --- minibatch-level criteria -----------------------------------------------------------------------------------------
def _column_values(call: Call, cols: Columns) -> List[torch.Tensor]:
    """Every operand as one value per minibatch column (operands without dynamic axes broadcast)."""
    out = []
    for a in call.args:
        v = cols.gather(a.t).reshape(cols.count) if a.dyn else a.t.reshape(1).expand(cols.count)
        out.append(v)
    return out


class _Logistic(torch.autograd.Function):
    """CNTK's LogisticNode: value -N Σ w log r / Σ w, gradient -w (2t - 1) / r w.r.t. the output only."""

    @staticmethod
    def forward(ctx, o: torch.Tensor, t: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        r = 2 * t * o + (1 - t) - o
        ctx.save_for_backward(t, w, r)
        return -o.shape[0] * (w * torch.log(r)).sum() / w.sum()

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        if ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
            raise RuntimeError("weighted_binary_cross_entropy (CNTK's Logistic op) can only be differentiated with "
                               "respect to its output, not its target or weight")
        t, w, r = ctx.saved_tensors
        return -grad * (2 * t - 1) * w / r, None, None


@kernel("Logistic")
def _logistic(call: Call):
    cols = columns_of(call, 0)
    o, t, w = _column_values(call, cols)
    return [_Logistic.apply(o, t, w)]


class _LambdaRank(torch.autograd.Function):
    """Value (1 - mean NDCG) * 100 * N; backward: CNTK's lambdas w.r.t. the scores, whatever the
    incoming gradient (CNTK ignores it)."""

    @staticmethod
    def forward(ctx, scores: torch.Tensor, gains: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
        s, g, q = (_numpy(x) for x in (scores, gains, groups))
        ctx.lambdas = lambda_rank_gradient(s, g, q)
        return torch.tensor(ndcg_value(s, g, q), dtype=scores.dtype, device=scores.device)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        if ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
            raise RuntimeError("lambda_rank has no gradient with respect to its gain or group operands")
        return torch.as_tensor(ctx.lambdas, dtype=grad.dtype, device=grad.device), None, None


@kernel("LambdaRank")
def _lambda_rank(call: Call):
    cols = columns_of(call, 0)
    return [_LambdaRank.apply(*_column_values(call, cols))]


@kernel("NDCG")
def _ndcg(call: Call):
    cols = columns_of(call, 0)

    def value(s: torch.Tensor, g: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
        return torch.tensor(ndcg_at_1_value(*(_numpy(x) for x in (s, g, q))), dtype=s.dtype, device=s.device)
    return [_evaluation_only(call, value, *_column_values(call, cols))]


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


@kernel("EditDistanceError")
def _edit_distance(call: Call):
    a, b = call.args
    lengths = _valid_positions(call, 0).reshape(a.t.shape[0], -1).sum(dim=1).tolist()
    attrs = call.attrs

    def value(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        la, lb = (_first_argmax(z.flatten(op.dyn)).reshape(z.shape[0], -1).tolist() for z, op in ((x, a), (y, b)))
        pairs = [(ra[:n], rb[:n]) for ra, rb, n in zip(la, lb, lengths)]
        err = edit_distance_error(pairs, attrs["sub_pen"], attrs["del_pen"], attrs["ins_pen"], attrs["squash"],
                                  attrs["ignore"], _numpy(x).dtype.type)
        return torch.tensor(err, dtype=x.dtype, device=x.device)
    return [_evaluation_only(call, value, a.t, b.t)]


@kernel("CosDistanceWithNegativeSamples")
def _cos_distance_negative(call: Call):
    cols = columns_of(call, 0)
    x, y = (cols.gather(a.t.flatten(a.dyn)) for a in call.args)
    n = cols.count
    inv_x = 1.0 / torch.sqrt((x * x).sum(dim=-1))
    inv_y = 1.0 / torch.sqrt((y * y).sum(dim=-1))
    shift, negatives = call.attrs["shift"], call.attrs["num_negative_samples"]
    rows = []
    for m in range(negatives + 1):
        partner = (torch.arange(n, device=x.device) + (m + shift - 1 if m else 0)) % n
        rows.append((x * y[partner]).sum(dim=-1) * inv_x * inv_y[partner])
    return [cols.scatter(torch.stack(rows, dim=-1))]
