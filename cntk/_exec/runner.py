"""Running plans: binding arguments, the per-node and per-time-step loops, and the public
eval / forward / backward / grad entry points that `Function` delegates to."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Sequence

import numpy as np
import torch

from .._graph import traversal
from .._graph.function import Function, graph_version
from .._graph.random_state import random_state
from .._graph.variable import Variable, torch_dtype
from ..device import autocast_dtype, torch_device_of
from . import binding, fused, host_memory
from .calls import call_kernel, dynamic_rank, label, node_kernel
from .kernels import Operand
from .loop import run_loop
from .plan import LoopStep, NodeStep, Plan, Step, compile_plan

_PLANS_PER_FUNCTION = 8
_set_grad_enabled = torch._C._set_grad_enabled  # what torch.set_grad_enabled does, without its Python object


def default_device(requested: Any = None) -> torch.device:
    """The torch device a run uses: ``requested`` (a `cntk.device.DeviceDescriptor`) or else the
    default device of `cntk.device`."""
    return torch_device_of(requested)


def _source_label(source: Any) -> str:
    return label(source) if isinstance(source, Variable) else str(source)


class RunContext:
    """State of one run: sequence lengths per axis, training flag, random generators."""

    def __init__(self, training: bool, device: torch.device) -> None:
        self.training = training
        self.device = device
        self.lengths: Dict[str, torch.Tensor] = {}
        self.length_sources: Dict[str, Any] = {}
        self.cache: Dict[Any, Any] = {}  # per-run memos (e.g. the packed layout of an axis' sequences)
        self.one_hot: Dict[int, torch.Tensor] = {}  # by input variable id: one-hot indices from the reader
        self.assignments: List[tuple] = []  # (parameter or constant, new value) written by `commit_assignments`

    def commit_assignments(self) -> None:
        """Write the values computed by ``assign`` ops into their targets. CNTK does this once the
        whole pass (forward, and backward when one follows) is over, so every use of a target within
        the pass sees its old value."""
        if not self.assignments:
            return
        with torch.no_grad():
            for target, value in self.assignments:
                target._tensor.copy_(value.reshape(target._tensor.shape).to(target._tensor))
        self.assignments = []

    def lengths_of(self, var: Variable) -> torch.Tensor:
        axis = var.sequence_axis
        if axis is None or axis.name not in self.lengths:
            raise RuntimeError("no sequence lengths known for %r" % (var,))
        return self.lengths[axis.name]

    def set_lengths(self, var: Variable, lengths: torch.Tensor, source: Any = "") -> None:
        """Record the sequence lengths of ``var``'s sequence axis. ``source`` (the input variable,
        or a description) names where they came from; two sources must agree."""
        axis = var.sequence_axis
        if axis is None:
            return
        known = self.lengths.get(axis.name)
        if known is not None and source:
            if known.shape != lengths.shape or not bool(torch.equal(known.cpu(), lengths.cpu())):
                raise ValueError("inputs %s and %s share the sequence axis '%s' but their sequences differ in length "
                                 "(%s vs %s)" % (_source_label(self.length_sources[axis.name]), _source_label(source),
                                                 axis.name, known.tolist()[:8], lengths.tolist()[:8]))
        self.lengths[axis.name] = lengths
        if source:
            self.length_sources[axis.name] = source

    def step_mask(self, var: Variable, t: torch.Tensor) -> torch.Tensor:
        lengths = self.lengths_of(var)
        return torch.arange(t.shape[1], device=t.device).unsqueeze(0) < lengths.unsqueeze(1)

    def generator_for(self, fn) -> torch.Generator:
        gen = fn.__dict__.get("_generator")
        if gen is None:
            if fn._attributes.get("seed") is None:  # drawn once, kept: a clone replays the same stream
                fn._attributes["seed"] = random_state.next_seed()
            gen = torch.Generator()
            gen.manual_seed(int(fn._attributes["seed"]) % 2 ** 64)
            fn.__dict__["_generator"] = gen
        return gen


class Run:
    """The values of one execution of a plan."""

    def __init__(self, plan: Plan, ctx: RunContext) -> None:
        self.plan = plan
        self.ctx = ctx
        self.values: Dict[int, torch.Tensor] = {}
        # sequences a fused loop hands on packed, by variable id: (packed [N, d], layout, padded length)
        self.packed: Dict[int, tuple] = {}

    def execute(self, feeds: Dict[int, binding.BoundInput]) -> None:
        values, device = self.values, self.ctx.device
        for key, leaf in self.plan.stored_leaves:
            t = leaf._tensor
            if t is None:
                raise ValueError("%s %s has unresolved shape %s; bind the model to inputs first"
                                 % (leaf.kind.name, label(leaf), leaf._shape))
            values[key] = t if t.device == device else t.to(device)
        for key, leaf in self.plan.data_leaves:
            bound = feeds.get(key)
            if bound is None:
                raise ValueError("input %s was not given data" % label(leaf))
            values[key] = bound.tensor
        self.run_steps(self.plan.steps)

    def run_steps(self, steps: Sequence[Step]) -> None:
        """Run plan steps in order."""
        for step in steps:
            if isinstance(step, NodeStep):
                self._run_node(step.node)
            elif isinstance(step, LoopStep):
                self._run_loop(step)
            else:
                step.execute(self)

    def _run_node(self, node) -> None:
        nk = node.kernel or node_kernel(node)
        values = self.values
        args = [Operand(values[id(v)], d) for v, d in zip(node.inputs, nk.in_dyn)]
        for o, t in zip(node.outputs, call_kernel(node, nk, args, nk.out_dyn, self.ctx)):
            values[id(o)] = t

    def _run_loop(self, step: LoopStep) -> None:
        run_loop(self, step)


def _csr_matrix(matrix: np.ndarray) -> Any:
    """A sparse matrix value as CNTK returns it: scipy's CSR matrix (dense without scipy)."""
    try:
        import scipy.sparse
    except ImportError:
        return matrix
    return scipy.sparse.csr_matrix(matrix)


def _forwarded(var: Variable) -> Variable:
    """The variable a combine's output stands for (CNTK's combine outputs *are* its operands)."""
    while var.owner is not None and var.owner.op_name == "Combine":
        var = var.owner._inputs[var._output_index]
    return var


class OutputValues(dict):
    """``{output: value}`` as evaluation returns it; a combine's output can also be looked up by
    the variable it forwards (``combine([y, z]).eval()[y.output]``), as in CNTK."""

    def __missing__(self, key: Any) -> Any:
        if isinstance(key, Variable):
            for k in self:
                if _forwarded(k) is _forwarded(key):
                    return dict.__getitem__(self, k)
        raise KeyError(key)

    def __contains__(self, key: Any) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True


def requested_outputs(fn, outputs: Any) -> List[Variable]:
    """The ``outputs=`` of eval/forward as a list of variables: a Function stands for its outputs,
    a single Variable for itself; anything else nested is a TypeError."""
    if outputs is None:
        return list(fn.outputs)
    if isinstance(outputs, (Variable, Function)):
        outputs = [outputs]
    result: List[Variable] = []
    for o in outputs:
        if isinstance(o, Function):
            result.extend(o.outputs)
        elif isinstance(o, Variable):
            result.append(o)
        else:
            raise TypeError("outputs must be Variables or Functions, got %r" % (o,))
    _check_in_graph(fn, result)
    return result


def _memoised(fn, slot: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, kept on ``fn`` under ``slot`` until the graph changes (for whole-graph walks)."""
    memo = fn.__dict__.get(slot)
    version = graph_version()
    if memo is None or memo[0] != version:
        memo = fn.__dict__[slot] = (version, compute())
    return memo[1]


def _check_in_graph(fn, outputs: List[Variable]) -> None:
    """Requested outputs must belong to ``fn``'s graph (computing them may need data ``fn`` does not take)."""
    own = {id(o) for o in fn.outputs}
    if all(id(o) in own for o in outputs):
        return
    nodes, leaves = _memoised(fn, "_members_memo", lambda: (
        {id(f) for f in traversal.reachable_functions([fn], into_blocks=True)}, {id(v) for v in fn.inputs}))
    for o in outputs:
        if id(o) not in leaves and (o.owner is None or id(o.owner) not in nodes):
            raise ValueError("output %s is not part of the graph of %s" % (label(o), fn))


class Executor:
    """Evaluates Functions: the engine behind `Function.eval`, `forward`, `backward` and `grad`."""

    def plan_for(self, fn, outputs: Sequence[Variable]) -> Plan:
        """The compiled plan for these outputs of ``fn``, cached on ``fn`` per output set (a few
        kept, so that alternating between e.g. a criterion and the model's output recompiles
        nothing) until the graph changes."""
        cache = fn.__dict__.setdefault("_plan_cache", {})
        fuse = fused.enabled()
        key = (tuple(map(id, outputs)), fuse)  # the plan keeps the outputs alive: their ids stay theirs
        version = graph_version()
        hit = cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        plan = compile_plan(list(outputs), fuse=fuse)
        if len(cache) >= _PLANS_PER_FUNCTION:
            cache.pop(next(iter(cache)))
        cache.pop(key, None)
        cache[key] = (version, plan)
        return plan

    @staticmethod
    def arguments_of(fn) -> List[Variable]:
        """``fn.arguments``, memoised on ``fn`` until the graph changes (it walks the whole graph)."""
        return _memoised(fn, "_arguments_memo", lambda: fn.arguments)

    def normalize_arguments(self, fn, arguments: Any) -> Dict[Variable, Any]:
        if arguments is None:
            return {}
        if isinstance(arguments, dict) and all(isinstance(key, Variable) for key in arguments):
            return arguments  # already {argument: data}
        params = self.arguments_of(fn)
        if isinstance(arguments, dict):
            result = {}
            for key, value in arguments.items():
                if isinstance(key, str):
                    matches = [p for p in params if p.name == key]
                    if not matches:
                        raise ValueError("the function has no argument named '%s' (arguments: %s)"
                                         % (key, ", ".join(p.name or p.uid for p in params)))
                    key = matches[0]
                elif not isinstance(key, Variable):
                    key = getattr(key, "output", key)
                result[key] = value
            return result
        if len(params) != 1:
            raise ValueError("the function has %d arguments (%s); pass a dict {argument: data}"
                             % (len(params), ", ".join(p.name or p.uid for p in params)))
        return {params[0]: arguments}

    def run(self, fn, arguments: Any, outputs: Sequence[Variable], training: bool, needs_grad: bool,
            grad_inputs: Sequence[Variable] = (), device: Any = None) -> tuple:
        if needs_grad:  # training churns through large buffers: keep freed ones for reuse
            host_memory.keep_freed_memory()
        args = self.normalize_arguments(fn, arguments)
        plan = self.plan_for(fn, outputs)
        device = default_device(device)
        ctx = RunContext(training, device)
        feeds: Dict[int, binding.BoundInput] = {}
        for var, data in args.items():
            if var.is_placeholder:
                raise ValueError("argument %s is a placeholder; bind it to an input before evaluating" % label(var))
            bound = binding.bind(var, data, device)
            if bound.lengths is not None:
                ctx.set_lengths(var, bound.lengths, source=var)
            if bound.one_hot is not None:
                ctx.one_hot[id(var)] = bound.one_hot
            if (grad_inputs and any(g is var for g in grad_inputs)) or (needs_grad and var.needs_gradient):
                bound.tensor = bound.tensor.detach().clone().requires_grad_(True)
            feeds[id(var)] = bound
        run = Run(plan, ctx)
        autocast = autocast_dtype()
        grad_was = torch.is_grad_enabled()
        _set_grad_enabled(needs_grad)  # not a context manager: this path runs for every minibatch
        try:
            if autocast is None:
                run.execute(feeds)
            else:
                with torch.autocast(device.type, dtype=autocast):
                    run.execute(feeds)
        finally:
            _set_grad_enabled(grad_was)
        if autocast is not None:  # outputs in their declared dtype, whatever precision computed them
            for out in plan.outputs:
                t = run.values[id(out)]
                if t.is_floating_point():
                    run.values[id(out)] = t.to(torch_dtype(out.dtype))
        return run, feeds

    def convert(self, run: Run, var: Variable, resolved: Variable, as_numpy: bool) -> Any:
        t = run.values[id(resolved)]
        dyn = dynamic_rank(resolved)
        lengths = run.ctx.lengths_of(resolved) if dyn == 2 else None
        owner = resolved.owner
        if as_numpy and owner is not None and owner.op_name == "EyeLikeOp" and owner._attributes.get("sparse"):
            return _csr_matrix(t.detach().cpu().numpy())
        return binding.to_numpy(t, lengths, dyn) if as_numpy else binding.to_value(t, lengths, dyn)

    def eval(self, fn, arguments, outputs, device, as_numpy):
        outs = requested_outputs(fn, outputs)
        run, _ = self.run(fn, arguments, outs, training=False, needs_grad=False, device=device)
        if len(outs) == 1:
            result = self.convert(run, outs[0], run.plan.outputs[0], as_numpy)
            run.ctx.commit_assignments()
            return result
        results = OutputValues((o, self.convert(run, o, r, as_numpy)) for o, r in zip(outs, run.plan.outputs))
        run.ctx.commit_assignments()
        return results

    def forward(self, fn, arguments, outputs, keep_for_backward, device, as_numpy):
        outs = requested_outputs(fn, outputs)
        training = bool(keep_for_backward)
        run, feeds = self.run(fn, arguments, outs, training=training, needs_grad=True,
                              grad_inputs=[v for v in self.normalize_arguments(fn, arguments) if v.needs_gradient],
                              device=device)
        results = OutputValues((o, self.convert(run, o, r, as_numpy)) for o, r in zip(outs, run.plan.outputs))
        if not training:  # nothing kept for a backward pass: the pass is over
            run.ctx.commit_assignments()
        state = (run, feeds, outs)
        return state, results

    def backward(self, fn, state, root_gradients, variables, as_numpy):
        run, feeds, outs = state
        variables = list(variables)
        roots, grads_out = [], []
        for out_var, grad in root_gradients.items():
            idx = next(i for i, o in enumerate(outs) if o is out_var or o == out_var)
            resolved = run.plan.outputs[idx]
            t = run.values[id(resolved)]
            g = self._root_tensor(run, resolved, grad, t)
            roots.append(t)
            grads_out.append(g)
        gradients = self._gradients(run, feeds, roots, grads_out, variables, as_numpy)
        run.ctx.commit_assignments()
        return gradients

    def _root_tensor(self, run: Run, resolved: Variable, grad: Any, like: torch.Tensor) -> torch.Tensor:
        if isinstance(grad, torch.Tensor):
            g = grad
        elif dynamic_rank(resolved) == 2 and isinstance(grad, (list, tuple)):
            from .._core.value import pad_sequences
            g, _ = pad_sequences([np.asarray(x) for x in grad])
        else:
            g = torch.as_tensor(np.asarray(grad))
        g = g.to(dtype=like.dtype, device=like.device).reshape(like.shape)
        return self._mask_padding(run, resolved, g)

    def _mask_padding(self, run: Run, resolved: Variable, g: torch.Tensor) -> torch.Tensor:
        if dynamic_rank(resolved) != 2:
            return g
        mask = run.ctx.step_mask(resolved, g)
        return torch.where(mask.reshape(tuple(mask.shape) + (1,) * (g.dim() - 2)), g, torch.zeros_like(g))

    def _gradients(self, run: Run, feeds, roots, grads_out, variables, as_numpy) -> Dict[Variable, Any]:
        targets = []
        for v in variables:
            if v.is_parameter or v.is_constant:
                targets.append(v._tensor)
            elif id(v) in feeds:
                targets.append(feeds[id(v)].tensor)
            else:
                raise ValueError("cannot take the gradient with respect to %s: it is neither a parameter nor an argument "
                                 "given data" % label(v))
        diffable = [t.requires_grad for t in targets]
        live = [t for t, d in zip(targets, diffable) if d]
        pairs = [(r, g) for r, g in zip(roots, grads_out) if r.requires_grad]  # constant outputs give 0
        computed = torch.autograd.grad([r for r, _ in pairs], live, [g for _, g in pairs], allow_unused=True) \
            if live and pairs else [None] * len(live)
        it = iter(computed)
        result: Dict[Variable, Any] = {}
        for v, t, d in zip(variables, targets, diffable):
            g = next(it) if d else None
            if g is None:
                g = torch.zeros_like(t)
            bound = feeds.get(id(v))
            lengths = bound.lengths if bound is not None else None
            if not as_numpy:
                result[v] = binding.to_value(g, lengths, 2 if lengths is not None else 0)
            elif lengths is not None:
                result[v] = binding.to_numpy(g, lengths, 2)
            else:
                result[v] = g.detach().cpu().numpy()
        return result

    def grad(self, fn, at, wrt, outputs, device, as_numpy, grad_root):
        """Gradients of the sum of ``grad_root`` (default: the function's output) w.r.t. ``wrt``;
        with ``outputs``, also those outputs' values: ``(gradients, values)`` as CNTK returned (one
        gradient or value bare, several as a dict keyed by variable)."""
        root = grad_root if grad_root is not None else fn.outputs[0]
        root = getattr(root, 'output', root)
        if not isinstance(root, Variable):
            raise TypeError("grad_root must be an output Variable of the function, got %r" % (grad_root,))
        fetch = [getattr(o, 'output', o) for o in (outputs or [])]
        args = self.normalize_arguments(fn, at)
        if wrt is None:
            wrt = [v for v in fn.arguments if v.needs_gradient] or list(args)
        single = isinstance(wrt, Variable)
        wrt_list = [wrt] if single else list(wrt)
        # as in CNTK, computing gradients is a training pass (dropout active, statistics updated)
        run, feeds = self.run(fn, at, [root] + fetch, training=True, needs_grad=True,
                              grad_inputs=[v for v in wrt_list if not (v.is_parameter or v.is_constant)], device=device)
        resolved = run.plan.outputs[0]
        t = run.values[id(resolved)]
        seed = self._mask_padding(run, resolved, torch.ones_like(t))
        result = self._gradients(run, feeds, [t], [seed], wrt_list, as_numpy)
        run.ctx.commit_assignments()
        gradients = result[wrt_list[0]] if len(wrt_list) == 1 else result
        if not fetch:
            return gradients
        values = OutputValues((o, self.convert(run, o, r, as_numpy)) for o, r in zip(fetch, run.plan.outputs[1:]))
        return gradients, (values[fetch[0]] if len(fetch) == 1 else values)
