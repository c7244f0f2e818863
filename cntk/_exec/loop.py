"""The generic recurrence loop: the nodes of a cycle run one time step at a time, for any step function.

What does not change from step to step is resolved once per loop (`LoopProgram`): every node's
kernel and where each of its operands comes from, i.e. the loop's own history, a sequence from
outside the loop, or a whole tensor. Per run, each outside sequence is split into its steps with
one ``unbind`` (its backward is one ``stack``; indexing ``x[:, t]`` at every step would scatter a
full-size gradient per step), delays' initial values are broadcast once, and FutureValue's
end-of-sequence masks are computed for all steps at once. Nodes that do not depend on the
recurrent state are not in the cycle and run outside the loop over whole sequences.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import torch

from .._graph.variable import FreeDimension, Variable, torch_dtype
from .calls import call_kernel, dynamic_rank, label, node_kernel
from .kernels import KERNELS, Operand, align
from .plan import DELAY_OPS, LoopStep

SEQUENCE_KERNELS_OUTSIDE_LOOPS = frozenset(k for k in KERNELS if k.startswith("Sequence::")) | {
    "Where", "UnpackSequence", "ToSequence", "ToSequenceLike"}

_HISTORY, _STEPS, _WHOLE, _EDGE = 0, 1, 2, 3
Source = Tuple[int, int, int]  # (where from, variable id, dynamic axes inside the loop)


def on_axis(v: Variable, axis) -> bool:
    """Whether ``v`` lives on the sequence axis ``axis``."""
    return v._dynamic_axes is not None and axis in v._dynamic_axes


class _Op:
    __slots__ = ("node", "nk", "sources", "out_dyn", "out_ids")

    def __init__(self, node, nk, sources: List[Source], out_dyn: List[int]) -> None:
        self.node, self.nk, self.sources, self.out_dyn = node, nk, sources, out_dyn
        self.out_ids = [id(o) for o in node.outputs]


class _Delay:
    __slots__ = ("out_id", "past", "offset", "x", "init", "static")

    def __init__(self, node, x: Source, init: Source) -> None:
        self.out_id = id(node.outputs[0])
        self.past = node.op_name == "PastValue"
        self.offset = node.fn._attributes.get("offset", 1)
        self.x, self.init = x, init
        # a free dimension is known only from data: the initial state keeps its own size there and broadcasts
        self.static = tuple(-1 if d == FreeDimension else d for d in (node.outputs[0]._shape or ()))


class LoopProgram:
    """A `LoopStep`'s nodes in step order, with kernels and operand sources resolved."""

    def __init__(self, step: LoopStep) -> None:
        for node in step.nodes:
            if node.op_name in SEQUENCE_KERNELS_OUTSIDE_LOOPS:
                raise NotImplementedError("the sequence op '%s' inside a recurrence loop" % node.op_name)
        self.step = step
        self.sequences: Dict[int, Variable] = {}
        self.wholes: Dict[int, Variable] = {}
        self.edges: Dict[int, Tuple[Variable, bool]] = {}
        self.instructions: list = []
        for node in step.nodes:
            if node.op_name in DELAY_OPS:
                init = self._initial_source(node.inputs[1], node.op_name == "PastValue")
                self.instructions.append(_Delay(node, self._source(node.inputs[0]), init))
                continue
            nk = node_kernel(node)
            out_dyn = [d - (1 if on_axis(o, step.axis) else 0) for o, d in zip(node.outputs, nk.out_dyn)]
            self.instructions.append(_Op(node, nk, [self._source(v) for v in node.inputs], out_dyn))

    def _initial_source(self, v: Variable, past: bool) -> Source:
        """A delay's initial state; one that is a sequence over another axis contributes, per
        sequence, its last step (past value) or its first (future value)."""
        if dynamic_rank(v) == 2 and not on_axis(v, self.step.axis) and id(v) not in self.step.loop_vars:
            self.edges[id(v)] = (v, past)
            return (_EDGE, id(v), 1)
        return self._source(v)

    def _source(self, v: Variable) -> Source:
        dyn = dynamic_rank(v)
        if id(v) in self.step.loop_vars:
            return (_HISTORY, id(v), dyn - 1)
        if on_axis(v, self.step.axis):
            self.sequences[id(v)] = v
            return (_STEPS, id(v), dyn - 1)
        if dyn == 2:
            raise ValueError("%s lives on sequence axis '%s' but is used inside a recurrence over '%s'"
                             % (label(v), v.sequence_axis.name, self.step.axis.name))
        self.wholes[id(v)] = v
        return (_WHOLE, id(v), dyn)

    def length(self, values: Dict[int, torch.Tensor], lengths: torch.Tensor) -> int:
        """Steps to run: the padded length of an outside sequence, else the longest sequence."""
        for k in self.sequences:
            if k in values:
                return int(values[k].shape[1])
        return int(lengths.max().item()) if lengths.numel() else 0


def run_loop(run, step: LoopStep) -> None:
    """Run a recurrence loop step by step, storing its exported values in ``run.values``."""
    ctx = run.ctx
    axis = step.axis
    if axis.name not in ctx.lengths:
        raise RuntimeError("recurrence over axis '%s' whose lengths are unknown" % axis.name)
    program = step.program
    if program is None:
        program = step.program = LoopProgram(step)
    lengths = ctx.lengths[axis.name]
    values = run.values
    T = program.length(values, lengths)
    batch = lengths.shape[0]
    steps = {k: values[k].unbind(1) for k in program.sequences}
    wholes = {k: Operand(values[k], d) for k, d in
              ((k, dynamic_rank(v)) for k, v in program.wholes.items())}
    for k, (v, past) in program.edges.items():
        seq = values[k]
        edge = seq[torch.arange(seq.shape[0], device=seq.device), (ctx.lengths_of(v) - 1).clamp(min=0)] \
            if past else seq[:, 0]
        wholes[k] = Operand(edge, 1)
    history: Dict[int, List[Optional[torch.Tensor]]] = {k: [None] * T for k in step.loop_vars}

    def operand(src: Source, t: int) -> Operand:
        kind, k, d = src
        if kind == _HISTORY:
            return Operand(history[k][t], d)
        if kind == _STEPS:
            return Operand(steps[k][t], d)
        return wholes[k]  # _WHOLE and _EDGE

    def initial(delay: _Delay, t: int) -> torch.Tensor:
        return align(operand(delay.init, t), 1, len(delay.static)).expand((batch,) + delay.static)

    inits = {id(d): initial(d, 0) for d in program.instructions
             if isinstance(d, _Delay) and d.init[0] in (_WHOLE, _EDGE)}
    running = None
    if any(isinstance(d, _Delay) and not d.past for d in program.instructions):
        running = (torch.arange(T, device=lengths.device).unsqueeze(1) < lengths.unsqueeze(0)).unbind(0)
    times = range(T - 1, -1, -1) if step.backward else range(T)
    for t in times:
        for ins in program.instructions:
            if isinstance(ins, _Op):
                outs = call_kernel(ins.node, ins.nk, [operand(s, t) for s in ins.sources], ins.out_dyn, ctx)
                for k, value in zip(ins.out_ids, outs):
                    history[k][t] = value
                continue
            init = inits.get(id(ins))
            if init is None:
                init = initial(ins, t)
            src = t - ins.offset if ins.past else t + ins.offset
            if not 0 <= src < T:
                history[ins.out_id][t] = init
                continue
            prev = operand(ins.x, src).t
            if not ins.past:
                valid = running[src].reshape((batch,) + (1,) * len(ins.static))
                prev = torch.where(valid, prev, init)
            history[ins.out_id][t] = prev
    for v in step.exported:
        values[id(v)] = torch.stack(history[id(v)], dim=1) if T else \
            torch.zeros((batch, 0) + tuple(max(d, 0) for d in (v._shape or ())), dtype=torch_dtype(v.dtype),
                        device=ctx.device)
