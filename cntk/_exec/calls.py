"""Calling a plan node's kernel, with what does not change between calls resolved once per node."""
from __future__ import annotations

from typing import Callable, List, NamedTuple, Optional

import torch

from .._graph.variable import Variable, torch_dtype
from .kernels import KERNELS, Call, Operand


class NodeKernel(NamedTuple):
    """A node's kernel, the dtype its floating operands are cast to (None for ``Cast``) and the
    number of dynamic axes of each input and output."""

    kernel: Callable
    dtype: Optional[torch.dtype]
    in_dyn: List[int]
    out_dyn: List[int]


def as_dtype(t: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``t`` in ``dtype`` (itself, without a call into torch, when it already is)."""
    return t if t.dtype == dtype else t.to(dtype)


def label(var: Variable) -> str:
    """A variable as error messages name it."""
    return "'%s'" % (var.name or var.uid)


def dynamic_rank(var: Variable) -> int:
    """The number of dynamic axes of ``var`` (an error if they are not known yet)."""
    if var._dynamic_axes is None:
        raise ValueError("the dynamic axes of %r are not known; is a placeholder left unbound?" % (var,))
    return len(var._dynamic_axes)


def node_kernel(node) -> NodeKernel:
    """The `NodeKernel` of a plan node, resolved on first use and kept on the node."""
    nk = node.kernel
    if nk is None:
        op = node.fn.op_name
        kern = KERNELS.get(op)
        if kern is None:
            raise NotImplementedError("the op '%s' has no kernel yet" % op)
        dtype = None if op == "Cast" else torch_dtype(node.outputs[0].dtype)
        nk = node.kernel = NodeKernel(kern, dtype, [dynamic_rank(v) for v in node.inputs],
                                      [dynamic_rank(o) for o in node.outputs])
    return nk


def call_kernel(node, nk: NodeKernel, args: List[Operand], out_dyn: List[int], ctx) -> List[torch.Tensor]:
    """Run ``node``'s kernel on ``args``, floating operands cast to the node's dtype."""
    want = nk.dtype
    if want is not None:
        args = [a if a.t.dtype is want or not a.t.is_floating_point() else Operand(a.t.to(want), a.dyn) for a in args]
    return nk.kernel(Call(node, args, out_dyn, ctx))
