"""Products of a sparse input with a weight matrix, computed as row lookups.

Sparse inputs (``is_sparse=True``: word indices read from CTF, `Value.one_hot`) are held densely by
the engine, and ``Embedding`` computes ``times(x, E)``. When every row of ``x`` has at most
one non-zero (one-hot; all zero for padding), ``x @ E`` is that row of ``E`` scaled by the value: a
gather instead of a matrix product over the vocabulary, and an ``index_add`` instead of
``x^T @ dY`` in the backward pass. Minibatches from the reader bring the indices along
(``Value._one_hot``); for other data they are found by scanning ``x``. Other data (several
non-zeros, a negative value, or ``x`` needing a gradient) take the ordinary ``Times`` kernel.
"""
from __future__ import annotations

from typing import Dict, List, Optional

import torch

from .._graph.variable import Variable, torch_dtype
from .plan import Node, NodeStep


def is_sparse_lookup(node: Node) -> bool:
    """``times(x, W)`` with ``x`` a sparse input vector and ``W`` a matrix leaf."""
    if node.op_name != "Times" or node.fn._attributes.get("output_rank", 1) != 1:
        return False
    x, w = node.inputs
    return x.is_input and x.is_sparse and len(x.shape) == 1 and w.owner is None and \
        (w.is_parameter or w.is_constant) and len(w.shape) == 2 and w.shape[0] == x.shape[0]


_positions: Dict[tuple, torch.Tensor] = {}


def _one_hot_rows(x: torch.Tensor, w: torch.Tensor) -> Optional[torch.Tensor]:
    """``x @ w`` by lookup when ``x`` is non-negative and all of each row's sum sits in one entry;
    else None. Only whole-tensor reductions and one matrix-vector product read ``x`` (per-element
    predicates such as ``x != 0`` cost several times more on CPU)."""
    V = x.shape[-1]
    flat = x.reshape(-1, V)
    if flat.numel() == 0 or V >= 1 << 22 or bool(flat.amin() < 0):
        return None
    key = (V, flat.dtype, flat.device)
    positions = _positions.get(key)
    if positions is None:
        positions = _positions[key] = torch.arange(V, dtype=flat.dtype, device=flat.device)
    total = flat.sum(1)
    idx = torch.where(total != 0, flat.mv(positions) / total, torch.zeros_like(total)).round_().long().clamp_(0, V - 1)
    if not torch.equal(flat.gather(1, idx.unsqueeze(1)).squeeze(1), total):
        return None
    rows = w.index_select(0, idx)
    if not bool((total == 1).all()):
        rows = rows * total.unsqueeze(1)
    return rows.reshape(tuple(x.shape[:-1]) + (w.shape[1],))


def _rows_at(indices: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """``x @ w`` for one-hot ``x`` given by its indices (``[B, T]``, -1 for an all-zero row): rows of
    ``w`` with a row of zeros appended for the empty ones, so that one gather (and, backwards, one
    scatter) does all."""
    V = w.shape[0]
    with_zero_row = torch.cat([w, w.new_zeros(1, w.shape[1])])
    rows = with_zero_row.index_select(0, torch.where(indices < 0, V, indices).reshape(-1))
    return rows.reshape(tuple(indices.shape) + (w.shape[1],))


class SparseLookup:
    """A plan step for a `is_sparse_lookup` node."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.fallback = [NodeStep(node)]
        self.dtype = torch_dtype(node.outputs[0].dtype)

    @property
    def inputs(self) -> List[Variable]:
        return self.node.inputs

    @property
    def outputs(self) -> List[Variable]:
        return self.node.outputs

    def __repr__(self) -> str:
        return "SparseLookup(%s)" % self.node.fn.uid

    def execute(self, run) -> None:
        """Set the node's output in ``run.values`` (by lookup when the data allow)."""
        x_var, w_var = self.node.inputs
        x = run.values[id(x_var)]
        out = None
        if not x.requires_grad:
            w = run.values[id(w_var)].to(self.dtype)
            indices = run.ctx.one_hot.get(id(x_var))
            out = _rows_at(indices, w) if indices is not None else _one_hot_rows(x.to(self.dtype), w)
        if out is None:
            run.run_steps(self.fallback)
            return
        run.values[id(self.node.outputs[0])] = out
