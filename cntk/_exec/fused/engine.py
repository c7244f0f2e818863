"""The contract between a fused loop and the engines that run it.

An `Engine` has two parts. ``prepare(info, weights)`` turns the cell's parameter tensors (by role,
see `CellInfo`) into what the kernel takes (stabilisers folded, gate blocks reordered, transposed);
it depends on the parameters only, so the loop reuses its result while the parameters are
unchanged and no gradient is recorded (`PreparedWeights`). ``run(infos, prepared, xs, inits,
layout)`` takes, per layer of the loop (one, or a stack for engines that take stacks), the cell's
info, its prepared weights and one initial state per cell state in sorted order ``[B, d]``; the
packed input steps ``[N, *]`` and the `SequenceLayout`. It returns the top layer's
``(sequences, finals)``: per state, the packed sequence of its values ``[N, d]`` (None where the
engine does not produce it) and its final value per sequence in sorted order ``[B, d]``.
"""
from __future__ import annotations

from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import torch

from ..calls import as_dtype

Tensor = torch.Tensor
Result = Tuple[List[Optional[Tensor]], List[Tensor]]
Weights = Dict[str, Tensor]


class Engine(NamedTuple):
    """A fused kernel for one kind of cell: ``prepare`` the weights, then ``run`` the recurrence.
    ``prepare_batch_first``, when given, prepares them for data in a `BatchFirstLayout` instead
    (torch's batch-first kernel wants them stored otherwise than its packed one)."""

    prepare: Callable[..., Weights]
    run: Callable[..., Result]
    prepare_batch_first: Optional[Callable[..., Weights]] = None


class PreparedWeights:
    """The result of an engine's ``prepare``, reused while the same parameter tensors are unmodified
    (same objects, same in-place version counters) and autograd is not recording through them."""

    def __init__(self) -> None:
        self._sources: List[Tuple[Tensor, int]] = []
        self._prepared: Optional[Weights] = None

    def get(self, prepare: Callable[..., Weights], info, roles: Sequence[str], tensors: List[Tensor],
            dtype: torch.dtype) -> Weights:
        """``prepare(info, {role: tensor as dtype})``, from the memo when still valid."""
        if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
            self._prepared = None
            return prepare(info, _by_role(roles, tensors, dtype))
        sources = self._sources
        if self._prepared is not None and len(tensors) == len(sources) and \
                all(t is s and t._version == v for t, (s, v) in zip(tensors, sources)):
            return self._prepared
        with torch.no_grad():
            self._prepared = prepare(info, _by_role(roles, tensors, dtype))
        self._sources = [(t, t._version) for t in tensors]
        return self._prepared


def _by_role(roles: Sequence[str], tensors: List[Tensor], dtype: torch.dtype) -> Weights:
    return {role: as_dtype(t, dtype) for role, t in zip(roles, tensors)}
