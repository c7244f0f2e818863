"""The kernel of Python user functions: a torch autograd Function around the user's forward/backward.

The forward converts each operand to CNTK's Python layout (NumPy arrays or `Value` objects, see
`cntk.ops.functions.UserFunction`), calls the user's ``forward`` and turns what it returns into
tensors; the user's state is kept for the backward, which converts the outputs' gradients the same
way, calls the user's ``backward`` and hands the inputs' gradients back to torch. Only the inputs
torch needs a gradient for are asked for, and outputs declared with ``needs_gradient=False`` are
not differentiable, so ``backward`` is not called for them (as in CNTK).

Errors raised by the user's code surface as RuntimeError (CNTK raised them that way too), with
the original exception chained.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np
import torch

from ..._core.value import Value, pad_sequences
from ..._graph.user_function import USER_FUNCTION_OP, UserFunction, owner_instance
from ..._graph.variable import Variable, torch_dtype
from . import Call, kernel

STATIC, BATCH, SEQUENCE, STEP = "static", "batch", "sequence", "step"


class _Slot:
    """How one operand or output is laid out: its layout kind, tensor shape and sequence lengths."""

    __slots__ = ("var", "kind", "lengths")

    def __init__(self, var: Variable, dyn: int, lengths: Optional[torch.Tensor]) -> None:
        self.var = var
        self.lengths = lengths
        if dyn == 2:
            self.kind = SEQUENCE
        elif dyn == 1:
            self.kind = STEP if var.has_sequence_axis() else BATCH
        else:
            self.kind = STATIC


def _layout(call: Call, var: Variable, dyn: int) -> _Slot:
    lengths = None
    if dyn == 2:
        axis = var.sequence_axis
        lengths = call.ctx.lengths.get(axis.name) if axis is not None else None
    return _Slot(var, dyn, lengths)


def to_python(t: torch.Tensor, slot: _Slot, as_numpy: bool) -> Any:
    """An engine tensor in the layout a user function sees (NumPy or `Value`)."""
    t = t.detach()
    if not as_numpy:
        if slot.kind == SEQUENCE:
            return Value._from_padded(t, slot.lengths)
        if slot.kind == STEP:
            return Value._from_padded(t.unsqueeze(1), torch.ones(t.shape[0], dtype=torch.long))
        return Value._from_padded(t, None)
    arr = t.cpu().numpy()
    if slot.kind == SEQUENCE:
        return [arr[b, :n] for b, n in enumerate(slot.lengths.cpu().tolist())]
    if slot.kind == STEP:
        return [arr[b:b + 1] for b in range(arr.shape[0])]
    return arr


def to_tensor(x: Any, slot: _Slot, shape: Optional[Sequence[int]], dtype: torch.dtype, device: torch.device,
              what: str) -> torch.Tensor:
    """What a user function returned for one slot as an engine tensor of ``shape`` (when known)."""
    if isinstance(x, Value):
        t = x._tensor
        if slot.kind in (STEP, BATCH) and x._lengths is not None and t.dim() >= 2 and t.shape[1] == 1:
            t = t[:, 0]
    elif isinstance(x, torch.Tensor):
        t = x
    elif slot.kind == SEQUENCE and isinstance(x, (list, tuple)):
        seqs = [np.asarray(s.asarray() if isinstance(s, Value) else s) for s in x]
        t, _ = pad_sequences(seqs)
    elif slot.kind in (STEP, BATCH) and isinstance(x, (list, tuple)):
        t = torch.as_tensor(np.stack([np.asarray(s) for s in x]))
    else:
        arr = np.asarray(x)
        if arr.dtype == object:
            raise RuntimeError("%s: cannot use %r as a tensor (ragged sequences must be a list of arrays)" % (what, x))
        t = torch.as_tensor(arr)
    t = t.detach().to(dtype=dtype, device=device)
    if shape is None or tuple(t.shape) == tuple(shape):
        return t
    if slot.kind == SEQUENCE and t.dim() == len(shape) and t.shape[0] == shape[0] and t.shape[2:] == shape[2:] \
            and t.shape[1] <= shape[1]:
        pad = torch.zeros((shape[0], shape[1] - t.shape[1]) + tuple(shape[2:]), dtype=dtype, device=device)
        return torch.cat([t, pad], dim=1)
    if t.numel() == int(np.prod(shape)):
        return t.reshape(tuple(shape))
    try:
        return t.sum_to_size(tuple(shape))
    except RuntimeError:
        raise RuntimeError("%s: got a value of shape %s, expected %s" % (what, tuple(t.shape), tuple(shape))) from None


class _Bridge:
    """One call of a user function: its instance, the operands' and outputs' layouts, the device."""

    def __init__(self, call: Call) -> None:
        self.udf: UserFunction = owner_instance(call.fn)
        self.ctx = call.ctx
        self.inputs = [_layout(call, v, a.dyn) for v, a in zip(call.node.inputs, call.args)]
        self.outputs = [_layout(call, o, d) for o, d in zip(call.node.outputs, call.out_dyn)]
        self.in_shapes = [tuple(a.t.shape) for a in call.args]
        dynamic = [a.t for a in call.args if a.dyn > 0]
        self.batch = int(dynamic[0].shape[0]) if dynamic else 1
        self.device = call.ctx.device
        self.retain = False

    @property
    def name(self) -> str:
        return "user function %s%s" % (self.udf.op_name, (" '%s'" % self.udf.name) if self.udf.name else "")

    def device_descriptor(self) -> Any:
        from ...device import cpu, gpu
        return cpu() if self.device.type == "cpu" else gpu(self.device.index or 0)

    def output_shape(self, k: int, like: List[torch.Tensor]) -> Optional[tuple]:
        slot = self.outputs[k]
        static = tuple(slot.var.shape)
        if any(d < 0 for d in static):
            return None
        if slot.kind == STATIC:
            return static
        if slot.kind in (BATCH, STEP):
            return (self.batch,) + static
        steps = [t.shape[1] for t, s in zip(like, self.inputs) if s.kind == SEQUENCE and
                 s.var.sequence_axis == slot.var.sequence_axis]
        if steps:
            return (self.batch, int(steps[0])) + static
        return None

    def forward(self, tensors: Sequence[torch.Tensor]) -> tuple:
        udf = self.udf
        args = [to_python(t, s, udf.as_numpy) for t, s in zip(tensors, self.inputs)]
        arguments = tuple(args) if len(args) > 1 else args[0]
        outs = list(udf.outputs)
        retain = list(outs) if self.retain else []
        device = self.device_descriptor()
        try:
            if len(outs) == 1:
                returned = udf.forward(arguments, device, retain)
                state, result = returned if isinstance(returned, tuple) and len(returned) == 2 else (None, returned)
                results = [result]
            else:
                out_map = {o: None for o in outs}
                state = udf.forward(arguments, out_map, device, retain)
                results = [out_map[o] for o in outs]
        except Exception as err:
            raise RuntimeError("%s: forward failed: %s: %s" % (self.name, type(err).__name__, err)) from err
        values = []
        for k, (value, slot) in enumerate(zip(results, self.outputs)):
            if value is None:
                raise RuntimeError("%s: forward did not provide output %d ('%s')"
                                   % (self.name, k, outs[k].name or outs[k].uid))
            t = to_tensor(value, slot, self.output_shape(k, list(tensors)), torch_dtype(slot.var.dtype), self.device,
                          "%s, output %d" % (self.name, k))
            if slot.kind == SEQUENCE and slot.lengths is None:
                self.ctx.set_lengths(slot.var, _lengths_of(value, t))
                slot.lengths = self.ctx.lengths[slot.var.sequence_axis.name]
            values.append(t)
        return state, values

    def backward(self, state: Any, grads: Sequence[torch.Tensor], needed: Sequence[bool]) -> List[Optional[torch.Tensor]]:
        udf = self.udf
        outs = list(udf.outputs)
        roots = {o: to_python(g, s, udf.as_numpy) for o, g, s in zip(outs, grads, self.outputs) if o.needs_gradient}
        root_gradients: Any = next(iter(roots.values())) if len(roots) == 1 else roots
        inputs = list(udf.inputs)
        variables = {v: None for v, need in zip(inputs, needed) if need}
        try:
            if len(inputs) > 1:
                udf.backward(state, root_gradients, variables)
            else:
                result = udf.backward(state, root_gradients)
                variables = {inputs[0]: result}
        except Exception as err:
            raise RuntimeError("%s: backward failed: %s: %s" % (self.name, type(err).__name__, err)) from err
        grads_in: List[Optional[torch.Tensor]] = []
        dtype = grads[0].dtype
        for k, (v, need, slot) in enumerate(zip(inputs, needed, self.inputs)):
            g = variables.get(v) if need else None
            grads_in.append(None if g is None else
                            to_tensor(g, slot, self.in_shapes[k], dtype, self.device,
                                      "%s, the gradient of input %d" % (self.name, k)))
        return grads_in


def _lengths_of(value: Any, t: torch.Tensor) -> torch.Tensor:
    if isinstance(value, Value) and value._lengths is not None:
        return torch.as_tensor(value._lengths, device=t.device)
    if isinstance(value, (list, tuple)):
        return torch.as_tensor([len(s) for s in value], device=t.device)
    return torch.full((t.shape[0],), t.shape[1], dtype=torch.long, device=t.device)


class _UserFunctionOp(torch.autograd.Function):
    """Autograd node of one user-function call (the bridge carries everything but the tensors)."""

    @staticmethod
    def forward(ctx: Any, bridge: _Bridge, *tensors: torch.Tensor) -> tuple:
        state, values = bridge.forward(tensors)
        ctx.bridge, ctx.state = bridge, state
        frozen = [v for v, o in zip(values, bridge.udf.outputs) if not o.needs_gradient]
        if frozen:
            ctx.mark_non_differentiable(*frozen)
        return tuple(values)

    @staticmethod
    def backward(ctx: Any, *grads: torch.Tensor) -> tuple:
        bridge: _Bridge = ctx.bridge
        return (None,) + tuple(bridge.backward(ctx.state, grads, ctx.needs_input_grad[1:]))


@kernel(USER_FUNCTION_OP)
def _user_function(call: Call) -> List[torch.Tensor]:
    bridge = _Bridge(call)
    tensors = [a.t for a in call.args]
    bridge.retain = torch.is_grad_enabled() and any(t.requires_grad for t in tensors)
    return list(_UserFunctionOp.apply(bridge, *tensors))
