"""Element-wise kernels (unary, binary with CNTK/numpy broadcasting, select, clip, n-ary)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import Call, Operand, aligned, kernel, static_dim

_UNARY = {
    "Negate": torch.neg, "Sigmoid": torch.sigmoid, "StableSigmoid": torch.sigmoid, "Tanh": torch.tanh,
    "ReLU": torch.relu, "Exp": torch.exp, "Floor": torch.floor,
    "Ceil": torch.ceil, "Abs": torch.abs, "Sin": torch.sin, "Cos": torch.cos,
    "Tan": torch.tan, "Asin": torch.asin, "Acos": torch.acos, "Atan": torch.atan, "Sinh": torch.sinh,
    "Cosh": torch.cosh, "Asinh": torch.asinh, "Atanh": torch.atanh, "Square": torch.square,
    "NoOp": lambda x: x, "Pass": lambda x: x, "Alias": lambda x: x, "StopGradient": torch.Tensor.detach,
}


# Ops whose value or derivative is not finite at 0: on ragged batches the padding steps of their
# operands are replaced by a harmless value first, otherwise 0 * inf = nan leaks from the padding
# into the gradients of parameters and broadcast operands (``padding-safe`` operands below).
_PAD_FILL = {"Log": 1.0, "Sqrt": 1.0, "Reciprocal": 1.0, "Asin": 0.5, "Acos": 0.5, "Atanh": 0.5}


def padding_safe(call: Call, k: int, fill: float) -> Operand:
    """Operand ``k`` with the padding steps of a ragged sequence batch set to ``fill``."""
    a = call.args[k]
    if a.dyn != 2 or a.t.shape[1] == 0:
        return a
    var = call.node.inputs[k]
    axis = var.sequence_axis
    lengths = call.ctx.lengths.get(axis.name) if axis is not None else None
    if lengths is None or lengths.shape[0] != a.t.shape[0] or bool((lengths == a.t.shape[1]).all()):
        return a
    mask = call.ctx.step_mask(var, a.t)
    mask = mask.reshape(tuple(mask.shape) + (1,) * (a.t.dim() - 2))
    return Operand(torch.where(mask, a.t, torch.full((), fill, dtype=a.t.dtype, device=a.t.device)), a.dyn)


class _Guarded(torch.autograd.Function):
    """An element-wise map with an explicitly given derivative ``d(x, y)``: CNTK's guarded ops
    (log, sqrt, reciprocal) have finite or infinite derivatives where torch's chain would give nan."""

    @staticmethod
    def forward(ctx, x, fn, deriv):
        y = fn(x)
        ctx.save_for_backward(x, y)
        ctx.deriv = deriv
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * ctx.deriv(x, y), None, None


# CNTK's log floor: inputs below 1e-37 give the float32 value of -85.1, with derivative exp(85.1).
_LOG_EPS = 1e-37
_LOG_FLOOR = -85.0999984741211
_LOG_FLOOR_SLOPE = 9.087820644243124e+36


def _log(x: torch.Tensor) -> torch.Tensor:
    small = x < _LOG_EPS
    return torch.where(small, torch.full((), _LOG_FLOOR, dtype=x.dtype, device=x.device),
                       torch.log(torch.where(small, torch.ones_like(x), x)))


def _log_deriv(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    small = x < _LOG_EPS
    return torch.where(small, torch.full((), _LOG_FLOOR_SLOPE, dtype=x.dtype, device=x.device),
                       1.0 / torch.where(small, torch.ones_like(x), x))


def _reciprocal(x: torch.Tensor) -> torch.Tensor:
    zero = x == 0
    return torch.where(zero, torch.zeros_like(x), 1.0 / torch.where(zero, torch.ones_like(x), x))


_GUARDED = {
    # sqrt of a negative number is 0; the derivative 0.5 / y is infinite there
    "Sqrt": (lambda x: torch.sqrt(torch.clamp(x, min=0)), lambda x, y: 0.5 / y),
    "Log": (_log, _log_deriv),
    # 1/0 is 0 (derivative -y*y, so also 0)
    "Reciprocal": (_reciprocal, lambda x, y: -y * y),
}


def _guarded(call: Call):
    op = call.fn.op_name
    fn, deriv = _GUARDED[op]
    return [_Guarded.apply(padding_safe(call, 0, _PAD_FILL[op]).t, fn, deriv)]


for _name in _GUARDED:
    kernel(_name)(_guarded)


def _unary(call: Call):
    op = call.fn.op_name
    x = padding_safe(call, 0, _PAD_FILL[op]) if op in _PAD_FILL else call.args[0]
    return [_UNARY[op](x.t)]


for _name in _UNARY:
    kernel(_name)(_unary)


@kernel("Round")
def _round(call: Call):
    return [torch.floor(call.args[0].t + 0.5)]


@kernel("ELU")
def _elu(call: Call):
    return [F.elu(call.args[0].t, alpha=call.attrs.get("alpha", 1.0))]


@kernel("SELU")
def _selu(call: Call):
    x, a = call.args[0].t, call.attrs
    return [a["scale"] * torch.where(x >= 0, x, a["alpha"] * torch.expm1(torch.clamp(x, max=0)))]


@kernel("LeakyReLU")
def _leaky_relu(call: Call):
    x = call.args[0].t  # slope 1 at 0, as CNTK
    return [torch.where(x >= 0, x, call.attrs.get("alpha", 0.01) * x)]


@kernel("Softplus")
def _softplus(call: Call):
    s = call.attrs.get("steepness", 1.0)
    x = call.args[0].t
    return [F.softplus(x * s) / s if s != 1 else F.softplus(x)]


@kernel("Softsign")
def _softsign(call: Call):
    x = call.args[0].t  # CNTK 2.7 ignores the steepness argument here (verified)
    return [x / (1 + torch.abs(x))]


@kernel("HardSigmoid")
def _hard_sigmoid(call: Call):
    a = call.attrs
    return [torch.clamp(a["alpha"] * call.args[0].t + a["beta"], 0.0, 1.0)]


@kernel("ElementNot")
def _not(call: Call):
    x = call.args[0].t
    return [(x == 0).to(x.dtype)]


@kernel("StraightThrough")
def _straight_through(call: Call):
    x = call.args[0].t
    sign = torch.where(x > 0, torch.ones_like(x), -torch.ones_like(x))
    return [x + (sign - x).detach()]


@kernel("Softmax", "LogSoftmax", "Hardmax")
def _softmax_family(call: Call):
    x = call.args[0].t
    axis = call.attrs.get("axis", -1)
    if call.args[0].static_rank == 0:
        return [torch.ones_like(x) if call.fn.op_name != "LogSoftmax" else torch.zeros_like(x)]
    if axis is None:
        dyn = call.args[0].dyn
        flat = x.reshape(tuple(x.shape[:dyn]) + (-1,))
        return [_softmax_last(call.fn.op_name, flat).reshape(x.shape)]
    d = static_dim(call, axis)
    moved = x.movedim(d, -1)
    return [_softmax_last(call.fn.op_name, moved).movedim(-1, d)]


def _softmax_last(op: str, x: torch.Tensor) -> torch.Tensor:
    if op == "Softmax":
        return torch.softmax(x, -1)
    if op == "LogSoftmax":
        return torch.log_softmax(x, -1)
    idx = torch.argmax(x, dim=-1, keepdim=True)
    return torch.zeros_like(x).scatter_(-1, idx, 1.0)


_BINARY_PAD_FILL = {"ElementDivide": (None, 1.0), "Pow": (1.0, 1.0)}


def _binary(fn):
    def k(call: Call):
        fills = _BINARY_PAD_FILL.get(call.fn.op_name)
        if fills is not None:
            call.args = [padding_safe(call, i, f) if f is not None else call.args[i] for i, f in enumerate(fills)]
        a, b = aligned(call)
        return [fn(a, b)]
    return k


def _pow(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """CNTK's power: 0 ** negative is 0; the derivative w.r.t. the base is b * y / a (0 where
    a == 0) and w.r.t. the exponent y * log(a) (0 where a <= 0)."""
    return _Pow.apply(a, b)


class _Pow(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        a_, b_ = torch.broadcast_tensors(a, b)
        y = torch.where((a_ == 0) & (b_ < 0), torch.zeros_like(a_), torch.pow(a_, b_))
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, y = ctx.saved_tensors
        zero = a == 0
        da = torch.where(zero, torch.zeros_like(y), b * y / torch.where(zero, torch.ones_like(a), a))
        pos = a > 0
        db = torch.where(pos, y * torch.log(torch.where(pos, a, torch.ones_like(a))), torch.zeros_like(y))
        return _unbroadcast(g * da, a.shape), _unbroadcast(g * db, b.shape)


def _unbroadcast(g: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """Sum a broadcast gradient back to an operand's shape."""
    while g.dim() > len(shape):
        g = g.sum(0)
    dims = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(dims, keepdim=True) if dims else g


def _float(cmp):
    return lambda a, b: cmp(a, b).to(torch.promote_types(a.dtype, b.dtype))


_BINARY = {
    "Plus": torch.add, "Minus": torch.sub, "ElementTimes": torch.mul, "ElementDivide": torch.div,
    "ElementMax": lambda a, b: torch.where(a > b, a, b), "ElementMin": lambda a, b: torch.where(a < b, a, b), "Pow": _pow, "LogPlus": torch.logaddexp,
    "Equal": _float(torch.eq), "NotEqual": _float(torch.ne), "Less": _float(torch.lt),
    "LessEqual": _float(torch.le), "Greater": _float(torch.gt), "GreaterEqual": _float(torch.ge),
    "ElementAnd": _float(lambda a, b: (a != 0) & (b != 0)), "ElementOr": _float(lambda a, b: (a != 0) | (b != 0)),
    "ElementXor": _float(lambda a, b: (a != 0) ^ (b != 0)),
    "PReLU": lambda alpha, x: torch.where(x >= 0, x, alpha * x),
}
for _name, _fn in _BINARY.items():
    kernel(_name)(_binary(_fn))


@kernel("Select")
def _select(call: Call):
    flag, a, b = aligned(call)
    return [torch.where(flag != 0, a, b)]


@kernel("Clip")
def _clip(call: Call):
    x, lo, hi = aligned(call)
    # the lower bound wins when the bounds cross (as in CNTK); the derivative w.r.t. x is 1 on the
    # closed interval, bounds included
    return [torch.where(x < lo, lo, torch.where(x > hi, hi, x))]


@kernel("Sum", "Mean")
def _nary(call: Call):
    ts = aligned(call)
    total = ts[0]
    for t in ts[1:]:
        total = total + t
    return [total / len(ts) if call.fn.op_name == "Mean" else total]
