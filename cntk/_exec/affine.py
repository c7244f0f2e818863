"""``times(x, W) + b`` (what a Dense layer computes) as one ``addmm``: one kernel call and one
autograd node instead of two, and no separate pass adding the bias."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Dict, List, Optional

import torch

from .._graph.variable import Variable, torch_dtype
from .calls import as_dtype
from .plan import Node, NodeStep, step_reads


def _weight_leaf(v: Variable, rank: int) -> bool:
    return v.owner is None and (v.is_parameter or v.is_constant) and len(v.shape) == rank


def _times_operands(times: Node) -> bool:
    """``x @ W`` over x's last axis, W a matrix leaf."""
    if times.op_name != "Times" or times.fn._attributes.get("output_rank", 1) != 1:
        return False
    x, w = times.inputs
    return _weight_leaf(w, 2) and len(x.shape) >= 1 and x.shape[-1] == w.shape[0]


class Affine:
    """A plan step computing a ``Plus`` of a ``Times`` (used by nothing else) and a bias vector."""

    def __init__(self, times: Node, plus: Node, bias: Variable) -> None:
        self.times, self.plus, self.bias = times, plus, bias
        self.dtype = torch_dtype(plus.outputs[0].dtype)

    @property
    def inputs(self) -> List[Variable]:
        return list(self.times.inputs) + [self.bias]

    @property
    def outputs(self) -> List[Variable]:
        return self.plus.outputs

    def __repr__(self) -> str:
        return "Affine(%s, %s)" % (self.times.fn.uid, self.plus.fn.uid)

    def execute(self, run) -> None:
        """``y = x.reshape(-1, K) @ W + b``, reshaped back; on a sequence a fused loop hands on
        packed, or on a ragged batch of sequences with much padding (`valid_rows`), only the rows
        of real steps are multiplied."""
        values, dtype = run.values, self.dtype
        x_var, w_var = self.times.inputs
        w, b = as_dtype(values[id(w_var)], dtype), as_dtype(values[id(self.bias)], dtype)
        packed = run.packed.get(id(x_var)) if run.packed else None
        if packed is not None:  # a fused loop's output: the product over its real steps, then padded
            steps, layout, T = packed
            values[id(self.plus.outputs[0])] = layout.unpack(torch.addmm(b, as_dtype(steps, dtype), w), T)
            return
        x = as_dtype(values[id(x_var)], dtype)
        flat = x if x.dim() == 2 else x.reshape(-1, w.shape[0])
        rows = valid_rows(run.ctx, x_var, x) if w.numel() >= _LARGE_PRODUCT else None
        if rows is None:
            y = torch.addmm(b, flat, w)
        else:  # padding rows stay 0: whatever reads this output masks them
            y = flat.new_zeros(flat.shape[0], w.shape[1]).index_copy(0, rows, torch.addmm(b, flat[rows], w))
        values[id(self.plus.outputs[0])] = y if x.dim() == 2 else y.view(x.shape[:-1] + (w.shape[1],))


# Skipping padding pays for its row gather and scatter when at least a quarter of the rows are
# padding and the weight has this many elements (an ATIS batch padded to its longest sentence is
# about two thirds padding; Dense(129) on LSTM(300) outputs has 38700).
_PADDING_SHARE = 0.25
_LARGE_PRODUCT = 16384


def valid_rows(ctx, var: Variable, x: torch.Tensor) -> Optional[torch.Tensor]:
    """Indices of the rows of a padded ``[B, T, K]`` sequence batch that hold real steps, or None
    when the batch is not ragged enough to be worth skipping its padding (memoised per run)."""
    axis = var.sequence_axis if x.dim() == 3 else None
    lengths = ctx.lengths.get(axis.name) if axis is not None else None
    if lengths is None or lengths.shape[0] != x.shape[0]:
        return None
    key = ("valid_rows", axis.name, id(lengths), x.shape[1])
    if key not in ctx.cache:
        B, T = x.shape[0], x.shape[1]
        rows = None
        if int(lengths.sum()) <= (1.0 - _PADDING_SHARE) * B * T:
            steps = torch.arange(T, device=lengths.device)
            rows = (steps.unsqueeze(0) < lengths.unsqueeze(1)).reshape(-1).nonzero().squeeze(1).to(x.device)
        ctx.cache[key] = rows
    return ctx.cache[key]


def fuse_affine(steps: list, outputs: List[Variable]) -> list:
    """``steps`` with every bias addition to a matrix product turned into an `Affine` step."""
    producer = {id(s.node.outputs[0]): s for s in steps if isinstance(s, NodeStep) and _times_operands(s.node)}
    if not producer:
        return steps
    uses = Counter(id(v) for s in steps for v in step_reads(s))
    uses.update(id(o) for o in outputs)
    fused, dropped = {}, set()
    for s in steps:
        if not isinstance(s, NodeStep) or s.node.op_name != "Plus":
            continue
        found = _pair(s.node, producer, uses)
        if found is not None:
            times_step, bias = found
            fused[id(s)] = Affine(times_step.node, s.node, bias)
            dropped.add(id(times_step))
    return [fused.get(id(s), s) for s in steps if id(s) not in dropped]


def _pair(plus: Node, producer: dict, uses: Counter) -> Optional[tuple]:
    for k in (0, 1):
        product, bias = plus.inputs[k], plus.inputs[1 - k]
        times_step = producer.get(id(product))
        if times_step is None or uses[id(product)] != 1 or not _weight_leaf(bias, 1):
            continue
        if bias.shape[0] == times_step.node.inputs[1].shape[1] and \
                plus.outputs[0].shape == product.shape and plus.outputs[0].dtype == product.dtype:
            return times_step, bias
    return None


def read_packed_sequences(steps: list, outputs: List[Variable]) -> None:
    """Mark the output sequences of fused loops that only `Affine` steps read (as their ``x``, and
    not requested as outputs): the loop hands them on packed, and the product runs over the real
    steps only, without padding the loop's output and gathering its rows again."""
    from .fused.step import FusedLoop
    wanted = {id(o) for o in outputs}
    readers: Dict[int, list] = defaultdict(list)
    for s in steps:
        for v in step_reads(s):
            readers[id(v)].append(s)
    for loop in steps:
        if not isinstance(loop, FusedLoop):
            continue
        for var in loop.sequences:
            if var is None or id(var) in wanted or not readers[id(var)]:
                continue
            if all(isinstance(r, Affine) and r.times.inputs[0] is var and r.times.inputs[1] is not var
                   and r.bias is not var for r in readers[id(var)]):
                loop.packed_only.add(id(var))
