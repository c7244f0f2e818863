"""Recognising, when a plan is compiled, recurrence loops whose step is a stock cell.

`Recurrence`, `Fold` and `RecurrenceFrom` close a loop around a clone of the step block: one
``PastValue`` (``FutureValue`` when ``go_backwards``) per state feeds the block's state input and
reads the block's state output. A loop is fused when

* its nodes are the delays plus nodes inside one block carrying a `CellInfo` (`cntk._layers.cells`)
  whose state inputs are exactly those delays (offset 1) and whose input ``x`` comes from outside
  the loop along the loop's sequence axis;
* the initial states have no sequence axis, the states are vectors, and only the block's state
  outputs are used outside the loop;
* an engine takes the cell (`choose_engine`).

The block's nodes outside the loop (the input projection) become dead and are dropped. A
``Sequence::Last`` (``Sequence::First`` for a backward loop) of a state is computed by the engine
as the final state, and the state's sequence is not materialised unless something else uses it.
Fused LSTM loops that read nothing but the output sequence of the fused LSTM loop below them
(same direction and sizes) become one multi-layer call (`stack_layers`).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Dict, List, Optional, Set

from ..._graph.variable import Variable
from ..._layers.cells import CellInfo, cell_leaves
from ..plan import LoopStep, Node, NodeStep, step_reads, step_writes
from .step import CellLayer, FusedLoop

_STATE_INPUTS = {"LSTM": ("dh", "dc"), "GRU": ("dh",), "RNNStep": ("dh",)}


def choose_engine(info: CellInfo, needs_cell_sequence: bool) -> Optional[str]:
    """The engine for a cell (a key of `step.ENGINES`), or None to keep the generic loop.

    LSTM: torch's LSTM for tanh without peepholes (stabilisers and projection fold into weights)
    unless the cell state is needed as a sequence (torch returns only its final value), else the
    LSTM scan. GRU: the GRU scan (CNTK's GRU is not torch's), not with a projection. RNNStep:
    torch's RNN for tanh/relu, else the RNN scan. Activations other than tanh, relu and sigmoid
    keep the generic loop.
    """
    if info.activation is None:
        return None
    if info.kind == "LSTM":
        torch_ok = info.activation == "tanh" and not info.use_peepholes and not needs_cell_sequence
        return "torch.lstm" if torch_ok else "scan.lstm"
    if info.kind == "GRU":
        return None if info.projection else "scan.gru"
    if info.kind == "RNNStep":
        return "torch.rnn" if info.activation in ("tanh", "relu") else "scan.rnn"
    return None


class _Graph:
    """Producers and consumers of the variables of a plan's nodes."""

    def __init__(self, steps: list) -> None:
        nodes: List[Node] = []
        for s in steps:
            nodes.extend(s.nodes if isinstance(s, LoopStep) else [s.node])
        self.producer: Dict[int, Node] = {id(o): n for n in nodes for o in n.outputs}
        self.consumers: Dict[int, List[Node]] = defaultdict(list)
        for n in nodes:
            for v in n.inputs:
                self.consumers[id(v)].append(n)

    def interior(self, outputs: List[Variable], boundary: Set[int]) -> Set[int]:
        """Ids of the nodes computing ``outputs`` from the ``boundary`` variables (and leaves)."""
        seen: Set[int] = set()
        stack = [self.producer[id(o)] for o in outputs if id(o) in self.producer]
        while stack:
            n = stack.pop()
            if id(n) in seen:
                continue
            seen.add(id(n))
            stack.extend(self.producer[id(v)] for v in n.inputs if id(v) not in boundary and id(v) in self.producer)
        return seen


def fuse_loops(steps: list, outputs: List[Variable], resolver) -> list:
    """``steps`` with every loop over a stock cell replaced by a `FusedLoop`, and the nodes that
    made dead (the cells' input projections, the absorbed ``Sequence::Last``) removed."""
    cells = [b for b in resolver.blocks.values() if b.__dict__.get("_cell_info") is not None]
    if not cells or not any(isinstance(s, LoopStep) for s in steps):
        return steps
    graph = _Graph(steps)
    wanted = {id(o) for o in outputs}
    replaced: Dict[int, FusedLoop] = {}
    absorbed: Set[int] = set()
    for step in steps:
        if not isinstance(step, LoopStep):
            continue
        for block in cells:
            fused = _match(step, block, resolver, graph, wanted, steps)
            if fused is not None:
                replaced[id(step)] = fused
                absorbed.update(id(n) for n in _absorbed_nodes(fused, graph))
                break
    if not replaced:
        return steps
    kept = [replaced.get(id(s), s) for s in steps if not (isinstance(s, NodeStep) and id(s.node) in absorbed)]
    return stack_layers(_prune(kept, outputs), outputs)


def _stackable(lower: FusedLoop, upper: FusedLoop, steps: list, wanted: Set[int]) -> bool:
    h = lower.sequences[0]
    if lower.engine != "torch.lstm" or upper.engine != "torch.lstm" or upper.x is not h or lower.finals != [[], []] \
            or lower.sequences[1] is not None or id(h) in wanted:
        return False
    if lower.axis != upper.axis or lower.backward != upper.backward or lower.dtype != upper.dtype \
            or lower.layers[-1].dims != upper.layers[0].dims:
        return False
    return not any(v is h for s in steps if s is not upper for v in step_reads(s))


def stack_layers(steps: list, outputs: List[Variable]) -> list:
    """Merge each fused LSTM loop into the one above it where torch's multi-layer LSTM computes both
    (the merged loop takes the upper one's place: its other inputs are computed by then)."""
    wanted = {id(o) for o in outputs}
    steps = list(steps)
    while True:
        pair = next(((i, j) for i, lower in enumerate(steps) if isinstance(lower, FusedLoop)
                     for j in range(i + 1, len(steps))
                     if isinstance(steps[j], FusedLoop) and _stackable(lower, steps[j], steps, wanted)), None)
        if pair is None:
            return steps
        i, j = pair
        lower, upper = steps[i], steps[j]
        steps[j] = FusedLoop(upper.engine, lower.layers + upper.layers, lower.x, lower.axis, lower.backward,
                             upper.sequences, upper.finals, lower.fallback + upper.fallback)
        del steps[i]


def _absorbed_nodes(fused: FusedLoop, graph: _Graph) -> List[Node]:
    return [graph.producer[id(v)] for targets in fused.finals for v in targets]


def _match(loop: LoopStep, block, resolver, graph: _Graph, wanted: Set[int], steps: list) -> Optional[FusedLoop]:
    info: CellInfo = block._cell_info
    outs = [resolver.resolve(o) for o in block.outputs]
    if not outs or id(outs[0]) not in loop.loop_vars:
        return None
    state_names = _STATE_INPUTS.get(info.kind, ())
    if len(outs) != len(state_names) or any(len(o.shape) != 1 for o in outs):
        return None
    mapping = {inner.name: resolver.resolve(outer) for inner, outer in block._block_mapping}
    if "x" not in mapping or any(s not in mapping for s in state_names):
        return None
    delay_op = "FutureValue" if loop.backward else "PastValue"
    members = {id(n) for n in loop.nodes}
    delays, inits = [], []
    for name, out in zip(state_names, outs):
        d = graph.producer.get(id(mapping[name]))
        if d is None or id(d) not in members or d.op_name != delay_op or d.fn._attributes.get("offset", 1) != 1 \
                or d.inputs[0] is not out:
            return None
        init = d.inputs[1]
        if id(init) in loop.loop_vars or init._dynamic_axes is None or any(a.is_sequence_axis for a in init.dynamic_axes):
            return None
        delays.append(d)
        inits.append(init)
    x = mapping["x"]
    if id(x) in loop.loop_vars or x._dynamic_axes is None or loop.axis not in x.dynamic_axes or len(x.dynamic_axes) != 2:
        return None
    boundary = {id(v) for v in mapping.values()}
    inside = graph.interior(outs, boundary)
    if not members <= inside | {id(d) for d in delays}:
        return None
    if any(id(v) not in {id(o) for o in outs} for v in loop.exported):
        return None
    leaves = cell_leaves(block)
    if len(leaves) != len(info.roles):
        return None
    roles = {role: leaf for role, leaf in zip(info.roles, leaves) if role is not None}
    pick_op = "Sequence::First" if loop.backward else "Sequence::Last"
    sequences: List[Optional[Variable]] = []
    finals: List[List[Variable]] = []
    for out in outs:
        users = [n for n in graph.consumers[id(out)] if id(n) not in members]
        picks = [n.outputs[0] for n in users if n.op_name == pick_op]
        as_sequence = id(out) in wanted or len(picks) < len(users)
        sequences.append(out if as_sequence else None)
        finals.append(picks)
    engine = choose_engine(info, needs_cell_sequence=len(outs) > 1 and sequences[1] is not None)
    if engine is None:
        return None
    precompute = [s for s in steps if isinstance(s, NodeStep) and id(s.node) in inside and id(s.node) not in members]
    fallback = precompute + [loop] + [NodeStep(graph.producer[id(v)]) for f in finals for v in f]
    layer = CellLayer(info, roles, inits, [o.shape[0] for o in outs])
    return FusedLoop(engine, [layer], x, loop.axis, loop.backward, sequences, finals, fallback)


def _prune(steps: list, outputs: List[Variable]) -> list:
    """Drop the steps none of whose outputs is needed for ``outputs``."""
    needed = {id(o) for o in outputs}
    kept = []
    for step in reversed(steps):
        if any(id(o) in needed for o in step_writes(step)):
            kept.append(step)
            needed.update(id(v) for v in step_reads(step))
    kept.reverse()
    return kept
