"""Compiling a graph into an execution plan.

Blocks, combines and bound placeholders are looked through, so the plan is a flat list of
primitive nodes. Nodes on a cycle (a recurrence: PastValue/FutureValue feeding back) are
grouped into a `LoopStep` that the runner advances one time step at a time; every other node
is a `NodeStep` that runs once over whole padded ``[B, T, ...]`` tensors. Loops whose step is a
stock cell then become `FusedLoop` steps (``cntk._exec.fused``) unless fusion is turned off,
products of a sparse input with a matrix become `SparseLookup` steps (``onehot``) and a bias
added to a matrix product one `Affine` step (``affine``).
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Union

from .._graph.variable import Variable

DELAY_OPS = ("PastValue", "FutureValue")
_PASS_THROUGH = ("Combine",)


class Node:
    """One primitive op with its operands resolved to the variables that produce them."""

    __slots__ = ("fn", "inputs", "outputs", "kernel")

    def __init__(self, fn, inputs: List[Variable]) -> None:
        self.fn = fn
        self.inputs = inputs
        self.outputs = fn._outputs
        self.kernel = None  # the runner's resolved kernel (calls.NodeKernel), set on first use

    @property
    def op_name(self) -> str:
        return self.fn.op_name

    def __repr__(self) -> str:
        return "Node(%s)" % self.fn.uid


class NodeStep:
    """Run one node over whole tensors."""

    __slots__ = ("node",)

    def __init__(self, node: Node) -> None:
        self.node = node


class LoopStep:
    """Run a recurrence: the nodes of one cycle, step by step along a sequence axis."""

    __slots__ = ("nodes", "axis", "backward", "loop_vars", "exported", "program")
    engine = "generic"

    def __init__(self, nodes: List[Node], axis, backward: bool, exported: List[Variable]) -> None:
        self.nodes = nodes
        self.axis = axis
        self.backward = backward
        self.loop_vars = {id(o) for n in nodes for o in n.outputs}
        self.exported = exported
        self.program = None  # the runner's per-step program (loop.LoopProgram), built on first use


Step = Union[NodeStep, LoopStep, "FusedLoop", "SparseLookup", "Affine"]


def step_reads(step) -> List[Variable]:
    """The variables a plan step reads (for a loop, its nodes' operands, its own included)."""
    if isinstance(step, NodeStep):
        return step.node.inputs
    if isinstance(step, LoopStep):
        return [v for n in step.nodes for v in n.inputs]
    return step.inputs


def step_writes(step) -> List[Variable]:
    """The variables a plan step sets for later steps."""
    if isinstance(step, NodeStep):
        return step.node.outputs
    if isinstance(step, LoopStep):
        return step.exported
    return step.outputs


class Plan:
    """What to run, in order, to compute some outputs of a graph."""

    def __init__(self, steps: List[Step], outputs: List[Variable], leaves: List[Variable]) -> None:
        self.steps = steps
        self.outputs = outputs
        self.leaves = leaves
        # leaves by what supplies their value: their own tensor (parameters, constants), or the data given
        self.stored_leaves = [(id(v), v) for v in leaves if v.is_parameter or v.is_constant]
        self.data_leaves = [(id(v), v) for v in leaves if not (v.is_parameter or v.is_constant)]

    def loop_engines(self) -> List[str]:
        """The engine of every recurrence loop, in execution order: ``'generic'`` for the step
        loop, else the fused engine's name (e.g. ``'torch.lstm'``, ``'scan.gru'``)."""
        return [s.engine for s in self.steps if getattr(s, "engine", None)]


class GraphResolver:
    """Looks through blocks, combines and placeholder bindings to the variable that really produces a value."""

    def __init__(self) -> None:
        self.bindings: Dict[int, Variable] = {}
        self.blocks: Dict[int, object] = {}  # the blocks looked through, by id

    def resolve(self, v: Variable) -> Variable:
        seen = 0
        while True:
            seen += 1
            if seen > 100000:
                raise RuntimeError("placeholder bindings form a cycle at %r" % (v,))
            owner = v.owner
            if owner is not None:
                if owner.is_block:
                    self.blocks[id(owner)] = owner
                    for inner, outer in owner._block_mapping:
                        self.bindings[id(inner)] = outer
                    v = owner._block_root._outputs[v._output_index]
                    continue
                if owner.op_name in _PASS_THROUGH:
                    v = owner._inputs[v._output_index]
                    continue
                return v
            if v.is_placeholder:
                if id(v) in self.bindings:
                    v = self.bindings[id(v)]
                    continue
                raise ValueError("placeholder '%s' (%s) is not bound to anything; call the function with inputs "
                                 "or use replace_placeholders before evaluating" % (v.name, v.uid))
            return v


def compile_plan(outputs: Sequence[Variable], fuse: bool = True) -> Plan:
    """Build the plan computing ``outputs`` (the variables the caller asked for); with ``fuse``,
    loops over stock cells run as fused kernels."""
    resolver = GraphResolver()
    resolved_outputs = [resolver.resolve(o) for o in outputs]
    nodes: Dict[int, Node] = {}
    leaves: Dict[int, Variable] = {}
    stack = [v for v in resolved_outputs]
    while stack:
        v = stack.pop()
        fn = v.owner
        if fn is None:
            leaves[id(v)] = v
            continue
        if id(fn) in nodes:
            continue
        node = Node(fn, [resolver.resolve(x) for x in fn._inputs])
        nodes[id(fn)] = node
        stack.extend(node.inputs)
    steps = _order(list(nodes.values()), resolved_outputs)
    # modules that build on this one's step types
    from .affine import fuse_affine, read_packed_sequences
    from .fused.match import fuse_loops
    from .onehot import SparseLookup, is_sparse_lookup
    if fuse:
        steps = fuse_loops(steps, resolved_outputs, resolver)
    steps = [SparseLookup(s.node) if isinstance(s, NodeStep) and is_sparse_lookup(s.node) else s for s in steps]
    steps = fuse_affine(steps, resolved_outputs)
    read_packed_sequences(steps, resolved_outputs)
    return Plan(steps, resolved_outputs, list(leaves.values()))


def _order(nodes: List[Node], outputs: List[Variable]) -> List[Step]:
    """Strongly connected components in dependency order (Tarjan, iterative)."""
    producer = {id(o): n for n in nodes for o in n.outputs}

    def deps(n: Node) -> List[Node]:
        return [producer[id(v)] for v in n.inputs if id(v) in producer]

    index: Dict[int, int] = {}
    low: Dict[int, int] = {}
    on_stack: set = set()
    stack: List[Node] = []
    components: List[List[Node]] = []
    counter = [0]
    for start in nodes:
        if id(start) in index:
            continue
        work = [(start, iter(deps(start)))]
        index[id(start)] = low[id(start)] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(id(start))
        while work:
            node, it = work[-1]
            advanced = False
            for d in it:
                if id(d) not in index:
                    index[id(d)] = low[id(d)] = counter[0]
                    counter[0] += 1
                    stack.append(d)
                    on_stack.add(id(d))
                    work.append((d, iter(deps(d))))
                    advanced = True
                    break
                if id(d) in on_stack:
                    low[id(node)] = min(low[id(node)], index[id(d)])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[id(parent)] = min(low[id(parent)], low[id(node)])
            if low[id(node)] == index[id(node)]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(id(m))
                    comp.append(m)
                    if m is node:
                        break
                components.append(comp)
    consumers_outside: Dict[int, bool] = {}
    steps: List[Step] = []
    for comp in components:
        is_loop = len(comp) > 1 or any(producer.get(id(v)) is comp[0] for v in comp[0].inputs)
        if not is_loop:
            steps.append(NodeStep(comp[0]))
            continue
        steps.append(_make_loop(comp, producer, nodes, outputs))
    return steps


def _make_loop(comp: List[Node], producer: Dict[int, Node], all_nodes: List[Node], outputs: List[Variable]) -> LoopStep:
    members = {id(n) for n in comp}
    delays = [n for n in comp if n.op_name in DELAY_OPS]
    if not delays:
        raise ValueError("the graph has a cycle without a PastValue/FutureValue (nodes: %s)"
                         % ", ".join(n.fn.uid for n in comp))
    directions = {n.op_name for n in delays}
    if len(directions) > 1:
        raise NotImplementedError("a recurrence loop mixing past_value and future_value (nodes %s)"
                                  % ", ".join(n.fn.uid for n in delays))
    axes = {a for n in delays for a in n.outputs[0].dynamic_axes if a.is_sequence_axis}
    if len(axes) != 1:
        raise ValueError("a recurrence loop must run along exactly one sequence axis; found %s" % sorted(a.name for a in axes))
    # Order inside one time step: a delay does not depend on its in-loop input at the same step.
    order: List[Node] = []
    placed: set = set()
    pending = list(comp)

    def ready(n: Node) -> bool:
        ins = n.inputs[1:] if n.op_name in DELAY_OPS else n.inputs
        return all(id(producer[id(v)]) in placed or id(producer[id(v)]) not in members
                   for v in ins if id(v) in producer)
    while pending:
        progress = [n for n in pending if ready(n)]
        if not progress:
            raise ValueError("cannot order the recurrence loop of nodes %s" % ", ".join(n.fn.uid for n in pending))
        for n in progress:
            order.append(n)
            placed.add(id(n))
        pending = [n for n in pending if id(n) not in placed]
    loop_outputs = {id(o): o for n in comp for o in n.outputs}
    exported = []
    wanted = {id(o) for o in outputs}
    for n in all_nodes:
        if id(n) in members:
            continue
        for v in n.inputs:
            if id(v) in loop_outputs:
                wanted.add(id(v))
    exported = [v for k, v in loop_outputs.items() if k in wanted]
    return LoopStep(order, next(iter(axes)), directions == {"FutureValue"}, exported)
