"""Running plans: binding arguments, the per-node and per-time-step loops, and the public
eval / forward / backward / grad entry points that `Function` delegates to."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch

from .._graph.function import graph_version
from .._graph.random_state import random_state
from .._graph.variable import Variable, torch_dtype
from . import binding
from .kernels import KERNELS, Call, Operand
from .plan import DELAY_OPS, LoopStep, NodeStep, Plan, compile_plan

_SEQUENCE_KERNELS_OUTSIDE_LOOPS = frozenset(k for k in KERNELS if k.startswith("Sequence::")) | {
    "Where", "ReconcileDynamicAxis", "UnpackSequence", "ToSequence", "ToSequenceLike"}


def default_device() -> torch.device:
    """The device computations run on (see `cntk.device`)."""
    return torch.device("cpu")


class RunContext:
    """State of one run: sequence lengths per axis, training flag, random generators."""

    def __init__(self, training: bool, device: torch.device) -> None:
        self.training = training
        self.device = device
        self.lengths: Dict[str, torch.Tensor] = {}
        self.length_sources: Dict[str, str] = {}

    def lengths_of(self, var: Variable) -> torch.Tensor:
        axis = var.sequence_axis
        if axis is None or axis.name not in self.lengths:
            raise RuntimeError("no sequence lengths known for %r" % (var,))
        return self.lengths[axis.name]

    def set_lengths(self, var: Variable, lengths: torch.Tensor, source: str = "") -> None:
        axis = var.sequence_axis
        if axis is None:
            return
        known = self.lengths.get(axis.name)
        if known is not None and source:
            if known.shape != lengths.shape or not bool(torch.equal(known.cpu(), lengths.cpu())):
                raise ValueError("inputs %s and %s share the sequence axis '%s' but their sequences differ in length "
                                 "(%s vs %s)" % (self.length_sources[axis.name], source, axis.name,
                                                 known.tolist()[:8], lengths.tolist()[:8]))
        self.lengths[axis.name] = lengths
        if source:
            self.length_sources[axis.name] = source

    def step_mask(self, var: Variable, t: torch.Tensor) -> torch.Tensor:
        lengths = self.lengths_of(var)
        return torch.arange(t.shape[1], device=t.device).unsqueeze(0) < lengths.unsqueeze(1)

    def generator_for(self, fn) -> torch.Generator:
        gen = fn.__dict__.get("_generator")
        if gen is None:
            seed = fn._attributes.get("seed")
            gen = torch.Generator()
            gen.manual_seed(int(seed) if seed is not None else random_state.next_seed())
            fn.__dict__["_generator"] = gen
        return gen


def _dyn(var: Variable) -> int:
    if var._dynamic_axes is None:
        raise ValueError("the dynamic axes of %r are not known; is a placeholder left unbound?" % (var,))
    return len(var._dynamic_axes)


def _label(var: Variable) -> str:
    return "'%s'" % (var.name or var.uid)


class Run:
    """The values of one execution of a plan."""

    def __init__(self, plan: Plan, ctx: RunContext) -> None:
        self.plan = plan
        self.ctx = ctx
        self.values: Dict[int, torch.Tensor] = {}

    def execute(self, feeds: Dict[int, binding.BoundInput]) -> None:
        for leaf in self.plan.leaves:
            if leaf.is_parameter or leaf.is_constant:
                if leaf._tensor is None:
                    raise ValueError("%s %s has unresolved shape %s; bind the model to inputs first"
                                     % (leaf.kind.name, _label(leaf), leaf._shape))
                self.values[id(leaf)] = leaf._tensor
            elif id(leaf) not in feeds:
                raise ValueError("input %s was not given data" % _label(leaf))
            else:
                self.values[id(leaf)] = feeds[id(leaf)].tensor
        for step in self.plan.steps:
            if isinstance(step, NodeStep):
                self._run_node(step.node)
            else:
                self._run_loop(step)

    def _call(self, node, args: List[Operand], out_dyn: List[int]) -> List[torch.Tensor]:
        fn = node.fn
        kern = KERNELS.get(fn.op_name)
        if kern is None:
            raise NotImplementedError("the op '%s' has no kernel yet" % fn.op_name)
        if fn.op_name != "Cast":
            want = torch_dtype(node.outputs[0].dtype)
            args = [a if a.t.dtype == want or not a.t.is_floating_point() else Operand(a.t.to(want), a.dyn) for a in args]
        return kern(Call(node, args, out_dyn, self.ctx))

    def _run_node(self, node) -> None:
        args = [Operand(self.values[id(v)], _dyn(v)) for v in node.inputs]
        outs = self._call(node, args, [_dyn(o) for o in node.outputs])
        for o, t in zip(node.outputs, outs):
            self.values[id(o)] = t

    def _run_loop(self, step: LoopStep) -> None:
        axis = step.axis
        if axis.name not in self.ctx.lengths:
            raise RuntimeError("recurrence over axis '%s' whose lengths are unknown" % axis.name)
        lengths = self.ctx.lengths[axis.name]
        T = self._loop_length(step, lengths)
        history: Dict[int, List[Optional[torch.Tensor]]] = {v: [None] * T for v in step.loop_vars}
        for node in step.nodes:
            if node.op_name in _SEQUENCE_KERNELS_OUTSIDE_LOOPS:
                raise NotImplementedError("the sequence op '%s' inside a recurrence loop" % node.op_name)
        times = range(T - 1, -1, -1) if step.backward else range(T)
        for t in times:
            for node in step.nodes:
                if node.op_name in DELAY_OPS:
                    out = self._delay_step(node, t, T, lengths, history, step)
                    history[id(node.outputs[0])][t] = out
                    continue
                args = [self._loop_operand(v, t, history, step) for v in node.inputs]
                out_dyn = [_dyn(o) - (1 if _on_axis(o, axis) else 0) for o in node.outputs]
                for o, value in zip(node.outputs, self._call(node, args, out_dyn)):
                    history[id(o)][t] = value
        for v in step.exported:
            self.values[id(v)] = torch.stack(history[id(v)], dim=1) if T else self._empty_like_loop(v, lengths)

    def _empty_like_loop(self, v: Variable, lengths: torch.Tensor) -> torch.Tensor:
        return torch.zeros((lengths.shape[0], 0) + tuple(v.shape), dtype=torch_dtype(v.dtype), device=self.ctx.device)

    def _loop_length(self, step: LoopStep, lengths: torch.Tensor) -> int:
        for node in step.nodes:
            for v in node.inputs:
                if id(v) not in step.loop_vars and id(v) in self.values and _on_axis(v, step.axis):
                    return int(self.values[id(v)].shape[1])
        return int(lengths.max().item()) if lengths.numel() else 0

    def _loop_operand(self, v: Variable, t: int, history, step: LoopStep) -> Operand:
        if id(v) in step.loop_vars:
            return Operand(history[id(v)][t], _dyn(v) - 1)
        value = self.values[id(v)]
        if _on_axis(v, step.axis):
            return Operand(value[:, t], _dyn(v) - 1)
        if _dyn(v) == 2:
            raise ValueError("%s lives on sequence axis '%s' but is used inside a recurrence over '%s'"
                             % (_label(v), v.sequence_axis.name, step.axis.name))
        return Operand(value, _dyn(v))

    def _delay_step(self, node, t: int, T: int, lengths: torch.Tensor, history, step: LoopStep) -> torch.Tensor:
        x_var, init_var = node.inputs
        off = node.fn._attributes.get("offset", 1)
        src = t - off if node.op_name == "PastValue" else t + off
        init = self._loop_operand(init_var, t, history, step)
        out_var = node.outputs[0]
        batch = lengths.shape[0]
        static = tuple(out_var.shape)
        from .kernels import align
        init_t = align(init, 1, len(static)).expand((batch,) + static)
        if not 0 <= src < T:
            return init_t
        if id(x_var) in step.loop_vars:
            prev = history[id(x_var)][src]
        else:
            prev = self.values[id(x_var)][:, src]
        if node.op_name == "PastValue":
            return prev
        valid = (src < lengths).reshape((batch,) + (1,) * len(static))
        return torch.where(valid, prev, init_t)


def _on_axis(v: Variable, axis) -> bool:
    return v._dynamic_axes is not None and axis in v._dynamic_axes


class Executor:
    """Evaluates Functions: the engine behind `Function.eval`, `forward`, `backward` and `grad`."""

    def plan_for(self, fn, outputs: Sequence[Variable]) -> Plan:
        cache = fn.__dict__.setdefault("_plan_cache", {})
        key = (tuple(o.uid for o in outputs), graph_version())
        plan = cache.get(key)
        if plan is None:
            cache.clear()
            plan = cache[key] = compile_plan(list(outputs))
        return plan

    def normalize_arguments(self, fn, arguments: Any) -> Dict[Variable, Any]:
        params = fn.arguments
        if arguments is None:
            return {}
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
            grad_inputs: Sequence[Variable] = ()) -> tuple:
        args = self.normalize_arguments(fn, arguments)
        plan = self.plan_for(fn, outputs)
        device = default_device()
        ctx = RunContext(training, device)
        feeds: Dict[int, binding.BoundInput] = {}
        for var, data in args.items():
            if var.is_placeholder:
                raise ValueError("argument %s is a placeholder; bind it to an input before evaluating" % _label(var))
            bound = binding.bind(var, data, device)
            if bound.lengths is not None:
                ctx.set_lengths(var, bound.lengths, source=_label(var))
            if any(g is var for g in grad_inputs) or (needs_grad and var.needs_gradient):
                bound.tensor = bound.tensor.detach().clone().requires_grad_(True)
            feeds[id(var)] = bound
        run = Run(plan, ctx)
        with torch.set_grad_enabled(needs_grad):
            run.execute(feeds)
        return run, feeds

    def convert(self, run: Run, var: Variable, resolved: Variable, as_numpy: bool) -> Any:
        t = run.values[id(resolved)]
        dyn = _dyn(resolved)
        lengths = run.ctx.lengths_of(resolved) if dyn == 2 else None
        return binding.to_numpy(t, lengths, dyn) if as_numpy else binding.to_value(t, lengths, dyn)

    def eval(self, fn, arguments, outputs, device, as_numpy):
        outs = list(outputs) if outputs is not None else fn.outputs
        run, _ = self.run(fn, arguments, outs, training=False, needs_grad=False)
        results = {o: self.convert(run, o, r, as_numpy) for o, r in zip(outs, run.plan.outputs)}
        if len(outs) == 1:
            return results[outs[0]]
        return results

    def forward(self, fn, arguments, outputs, keep_for_backward, device, as_numpy):
        outs = list(outputs) if outputs is not None else fn.outputs
        training = bool(keep_for_backward)
        run, feeds = self.run(fn, arguments, outs, training=training, needs_grad=True,
                              grad_inputs=[v for v in self.normalize_arguments(fn, arguments) if v.needs_gradient])
        results = {o: self.convert(run, o, r, as_numpy) for o, r in zip(outs, run.plan.outputs)}
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
        return self._gradients(run, feeds, roots, grads_out, variables, as_numpy)

    def _root_tensor(self, run: Run, resolved: Variable, grad: Any, like: torch.Tensor) -> torch.Tensor:
        if isinstance(grad, torch.Tensor):
            g = grad
        elif _dyn(resolved) == 2 and isinstance(grad, (list, tuple)):
            from .._core.value import pad_sequences
            g, _ = pad_sequences([np.asarray(x) for x in grad])
        else:
            g = torch.as_tensor(np.asarray(grad))
        g = g.to(dtype=like.dtype, device=like.device).reshape(like.shape)
        return self._mask_padding(run, resolved, g)

    def _mask_padding(self, run: Run, resolved: Variable, g: torch.Tensor) -> torch.Tensor:
        if _dyn(resolved) != 2:
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
                                 "given data" % _label(v))
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
            if not as_numpy:
                result[v] = g
                continue
            bound = feeds.get(id(v))
            if bound is not None and bound.lengths is not None:
                result[v] = binding.to_numpy(g, bound.lengths, 2)
            else:
                result[v] = g.detach().cpu().numpy()
        return result

    def grad(self, fn, at, wrt, outputs, device, as_numpy, grad_root):
        outs = list(outputs) if outputs is not None else [fn.outputs[0]]
        args = self.normalize_arguments(fn, at)
        if wrt is None:
            wrt = [v for v in fn.arguments if v.needs_gradient] or list(args)
        single = isinstance(wrt, Variable)
        wrt_list = [wrt] if single else list(wrt)
        run, feeds = self.run(fn, at, outs, training=False, needs_grad=True,
                              grad_inputs=[v for v in wrt_list if not (v.is_parameter or v.is_constant)])
        roots, grads_out = [], []
        for resolved in run.plan.outputs:
            t = run.values[id(resolved)]
            roots.append(t)
            seed = torch.ones_like(t) if grad_root is None else torch.as_tensor(np.asarray(grad_root), dtype=t.dtype).expand_as(t)
            grads_out.append(self._mask_padding(run, resolved, seed))
        result = self._gradients(run, feeds, roots, grads_out, wrt_list, as_numpy)
        if len(wrt_list) == 1:
            return result[wrt_list[0]]
        return result
