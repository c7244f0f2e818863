"""``times(x, W) + b`` (what a Dense layer computes) as one ``addmm``: one kernel call and one
autograd node instead of two, and no separate pass adding the bias."""
from __future__ import annotations

from collections import Counter
from typing import List, Optional

import torch

from .._graph.variable import Variable, torch_dtype
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
        """``y = x.reshape(-1, K) @ W + b``, reshaped back."""
        values, dtype = run.values, self.dtype
        x_var, w_var = self.times.inputs
        x, w = values[id(x_var)].to(dtype), values[id(w_var)].to(dtype)
        y = torch.addmm(values[id(self.bias)].to(dtype), x.reshape(-1, w.shape[0]), w)
        values[id(self.plus.outputs[0])] = y.reshape(tuple(x.shape[:-1]) + (w.shape[1],))


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
