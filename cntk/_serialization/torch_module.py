"""`cntk.to_torch`: a CNTK Function (a loaded model, say) as a `torch.nn.Module`.

The module owns copies of the function's parameters as ``nn.Parameter`` (and its constants as
buffers), so it trains with any torch optimizer, moves with ``.to(device)`` and saves with
``state_dict``; its ``forward`` runs the function's graph with this package's engine, so it
computes exactly what the Function computes (recurrences, sequence ops and all).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple, Union

import torch

from .._graph.function import CloneMethod, Function
from .._graph.variable import Variable, torch_dtype

TensorOrTuple = Union[torch.Tensor, Tuple[torch.Tensor, ...]]


def _key(k: int, name: str) -> str:
    clean = re.sub(r"[^0-9A-Za-z_]", "_", name or "")
    return "p%d_%s" % (k, clean) if clean else "p%d" % k


class CNTKModule(torch.nn.Module):
    """A torch module that computes a CNTK Function.

    ``forward(*inputs, lengths=None)`` takes one tensor per argument, in ``argument_names`` order:
    ``[batch, time, *shape]`` (zero-padded) for sequence arguments, ``[batch, *shape]`` otherwise;
    ``lengths`` gives the true lengths of the sequence arguments (a dict by argument name, or a list
    in argument order; default: every sequence is full length). It returns one tensor per output
    (a tuple when there are several), padded the same way; `output_lengths` holds the sequence
    lengths of the last call's outputs (None for outputs without a sequence axis). Dropout is active
    in ``train()`` mode, as in CNTK training.
    """

    def __init__(self, function: Function, share_parameters: bool = False) -> None:
        super().__init__()
        fn = function if share_parameters else function.clone(CloneMethod.clone)
        self.function = fn
        self.argument_names: List[str] = [a.name for a in fn.arguments]
        self.output_names: List[str] = [o.name for o in fn.outputs]
        self.output_lengths: List[Optional[torch.Tensor]] = []
        self._param_keys: List[Tuple[str, Variable]] = []
        self._const_keys: List[Tuple[str, Variable]] = []
        for k, p in enumerate(fn.parameters):
            if p._tensor is None:
                raise ValueError("to_torch: parameter '%s' has inferred dimensions %s; bind the function to inputs first"
                                 % (p.name or p.uid, p._shape))
            key = _key(k, p.name)
            param = torch.nn.Parameter(p._tensor.detach() if share_parameters else p._tensor.detach().clone())
            self.register_parameter(key, param)
            self._param_keys.append((key, p))
        for k, c in enumerate(fn.constants):
            key = "c" + _key(k, c.name)[1:]
            self.register_buffer(key, c._tensor.detach().clone())
            self._const_keys.append((key, c))
        self._sync()

    def _sync(self) -> None:
        """Point the graph's parameters and constants at this module's (current) tensors."""
        for key, p in self._param_keys:
            p._tensor = self._parameters[key]
        for key, c in self._const_keys:
            c._tensor = self._buffers[key]

    def forward(self, *inputs: torch.Tensor, lengths: Any = None) -> TensorOrTuple:
        """Run the function on padded input tensors (see the class docstring)."""
        from .._exec import binding
        from .._exec.runner import Run, RunContext
        from .._graph import function as graph_function
        fn = self.function
        args = fn.arguments
        if len(inputs) != len(args):
            raise TypeError("the module takes %d input(s) (%s), %d given"
                            % (len(args), ", ".join(self.argument_names), len(inputs)))
        self._sync()
        device = next(iter(self.parameters()), inputs[0] if inputs else torch.zeros(())).device
        ctx = RunContext(self.training, device)
        feeds: Dict[int, binding.BoundInput] = {}
        for k, (var, t) in enumerate(zip(args, inputs)):
            t = torch.as_tensor(t).to(device=device, dtype=torch_dtype(var.dtype))
            seq = var.has_sequence_axis()
            static = tuple(var.shape)
            if tuple(t.shape[2 if seq else 1:]) != static or t.dim() != len(static) + (2 if seq else 1):
                raise ValueError("input '%s' must have shape [batch, %s%s], got %s"
                                 % (var.name or var.uid, "time, " if seq else "", ", ".join(map(str, static)),
                                    tuple(t.shape)))
            lens = self._lengths_for(k, var, t, lengths) if seq else None
            if lens is not None:
                ctx.set_lengths(var, lens, source="'%s'" % (var.name or var.uid))
            feeds[id(var)] = binding.BoundInput(t, lens)
        plan = graph_function._executor.plan_for(fn, fn.outputs)
        run = Run(plan, ctx)
        run.execute(feeds)
        outs = []
        self.output_lengths = []
        for resolved in plan.outputs:
            outs.append(run.values[id(resolved)])
            seq = resolved._dynamic_axes is not None and len(resolved._dynamic_axes) == 2
            self.output_lengths.append(ctx.lengths_of(resolved) if seq else None)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _lengths_for(self, k: int, var: Variable, t: torch.Tensor, lengths: Any) -> torch.Tensor:
        given = None
        if isinstance(lengths, dict):
            given = lengths.get(var.name)
        elif isinstance(lengths, (list, tuple)):
            given = lengths[k]
        elif lengths is not None:
            given = lengths
        if given is None:
            return torch.full((t.shape[0],), t.shape[1], dtype=torch.long, device=t.device)
        lens = torch.as_tensor(given, device=t.device).long().reshape(-1)
        if lens.shape[0] != t.shape[0] or bool((lens > t.shape[1]).any()) or bool((lens < 0).any()):
            raise ValueError("lengths of '%s' (%s) do not fit a batch of shape %s"
                             % (var.name or var.uid, lens.tolist()[:8], tuple(t.shape)))
        return lens

    def extra_repr(self) -> str:
        """The argument and output names, for ``print(module)``."""
        return "inputs=%s, outputs=%s" % (self.argument_names, self.output_names)


def to_torch(function: Function, share_parameters: bool = False) -> CNTKModule:
    """A `torch.nn.Module` computing ``function`` (see `CNTKModule`). By default the module owns
    copies of the parameters; ``share_parameters=True`` makes the module and the Function use the
    same tensors (training one trains the other)."""
    if not isinstance(function, Function):
        raise TypeError("to_torch expects a cntk Function, got %r" % (function,))
    return CNTKModule(function, share_parameters)
