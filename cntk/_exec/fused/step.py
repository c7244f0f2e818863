"""`FusedLoop`: the plan step that runs a stock-cell recurrence with one engine call."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple

import torch

from ..._graph.variable import Variable, torch_dtype
from . import scan_gru, scan_lstm, scan_rnn, torch_rnn
from ..calls import as_dtype
from .engine import Engine, PreparedWeights
from .layout import DenseLayout, RaggedLayout, SequenceLayout, batch_first_layout, layout_for

ENGINES: Dict[str, Engine] = {
    "torch.lstm": Engine(torch_rnn.lstm_weights, torch_rnn.lstm, torch_rnn.stored_contiguous(torch_rnn.lstm_weights)),
    "torch.rnn": Engine(torch_rnn.rnn_weights, torch_rnn.rnn, torch_rnn.stored_contiguous(torch_rnn.rnn_weights)),
    "scan.lstm": Engine(scan_lstm.lstm_weights, scan_lstm.lstm),
    "scan.gru": Engine(scan_gru.gru_weights, scan_gru.gru),
    "scan.rnn": Engine(scan_rnn.rnn_weights, scan_rnn.rnn),
}

# torch's packed CPU kernels slice each step's rows out of the input projection; when the batch
# sizes vary, the backward of every slice writes a zero tensor the size of all steps' gates, so a
# training pass over a ragged minibatch costs about twice the hand-written scan (bench/README.md).
# Such passes take the scan, which computes the same function.
RAGGED_CPU_TRAINING = {"torch.lstm": "scan.lstm", "torch.rnn": "scan.rnn"}


# Engines that take padded batch-first data (`BatchFirstLayout`) for equal-length forward batches.
BATCH_FIRST = {"torch.lstm", "torch.rnn"}


def engine_for(compiled: str, layout: SequenceLayout, device: torch.device) -> Tuple[str, SequenceLayout]:
    """The engine that runs a loop compiled for ``compiled`` on this minibatch, and the layout it
    takes the minibatch in (``layout``, or for torch's kernels on an equal-length forward batch its
    `BatchFirstLayout`)."""
    if device.type == "cpu" and isinstance(layout, RaggedLayout) and torch.is_grad_enabled():
        return RAGGED_CPU_TRAINING.get(compiled, compiled), layout
    if compiled in BATCH_FIRST and isinstance(layout, DenseLayout) and not layout.backward:
        return compiled, batch_first_layout(layout.batch, layout.steps)
    return compiled, layout


def _initial_state(value: torch.Tensor, dyn: int, batch: int, dim: int, dtype: torch.dtype) -> torch.Tensor:
    """An initial state (a constant, or one value per sequence) as ``[batch, dim]``."""
    value = value.to(dtype)
    if dyn:
        value = value.reshape(batch, -1)
    return torch.broadcast_to(value, (batch, dim))


class CellLayer:
    """One cell of a fused loop: its `CellInfo`, parameter variables by role, the variables of its
    initial states and the size of each state; ``prepared`` memoises each engine's weights."""

    def __init__(self, info, roles: Dict[str, Variable], inits: Sequence[Variable], dims: Sequence[int]) -> None:
        self.info = info
        self.roles = dict(roles)
        self.role_names = list(self.roles)
        self.role_ids = [id(v) for v in self.roles.values()]  # where the run keeps each parameter's value
        self.inits = list(inits)
        self.dims = list(dims)
        self.prepared: Dict[Tuple[str, bool], PreparedWeights] = {}  # by engine, and whether for batch-first data
        self._constant_states: Optional[tuple] = None  # (key, states, sources) for constant initial states
        self._static_inits = all(not v.dynamic_axes for v in self.inits)  # no value per sequence

    def initial_states(self, values: Dict[int, torch.Tensor], batch: int, dtype: torch.dtype, layout) -> List[torch.Tensor]:
        """Each state's initial value as ``[batch, dim]`` in the layout's sorted order (memoised
        for constants: the usual 0 or 0.1 need not be broadcast anew every minibatch)."""
        sources = [values[id(v)] for v in self.inits]
        constant = self._static_inits and not any(t.requires_grad for t in sources)
        key = (batch, dtype, [(id(t), t._version) for t in sources]) if constant else None
        if key is not None and self._constant_states is not None and self._constant_states[0] == key:
            return self._constant_states[1]
        states = [layout.sort(_initial_state(t, len(v.dynamic_axes), batch, d, dtype)).contiguous()
                  for t, v, d in zip(sources, self.inits, self.dims)]
        if key is not None:
            self._constant_states = (key, states, sources)  # the sources are kept so their ids stay theirs
        return states


class FusedLoop:
    """A recurrence ``Recurrence``/``Fold`` over a stock cell, or over a stack of them each reading
    the sequence of the one below, computed by the engine ``engine`` (a key of `ENGINES`).

    ``sequences[k]`` is the variable that receives the top layer's state k as a sequence (None if
    nothing needs it), ``finals[k]`` the variables (``Sequence::Last`` of a forward loop,
    ``Sequence::First`` of a backward one) that receive its final value. ``fallback`` computes the
    same with the generic step loop, for minibatches the engines do not take (an empty sequence).
    ``engine`` is the choice made when the plan was compiled; `engine_for` may pick another engine
    for a minibatch. Sequences in ``packed_only`` are handed to their readers packed (see
    `affine.read_packed_sequences`) instead of padded.
    """

    def __init__(self, engine: str, layers: Sequence[CellLayer], x: Variable, axis, backward: bool,
                 sequences: Sequence[Optional[Variable]], finals: Sequence[List[Variable]], fallback: list) -> None:
        self.engine = engine
        self.layers = list(layers)
        self.infos = [layer.info for layer in self.layers]
        self.x = x
        self.axis = axis
        self.backward = backward
        self.sequences = list(sequences)
        self.finals = [list(f) for f in finals]
        self.fallback = fallback
        self.dtype = torch_dtype(x.dtype)
        self.last_engine: Optional[str] = None  # the engine of the latest minibatch (see `engine_for`)
        self.packed_only: Set[int] = set()  # ids of sequences only `Affine` steps read: handed on packed

    @property
    def inputs(self) -> List[Variable]:
        """Variables the loop reads that other steps produce (parameters are leaves)."""
        return [self.x] + [v for layer in self.layers for v in layer.inits]

    @property
    def outputs(self) -> List[Variable]:
        """Variables the loop sets."""
        return [v for v in self.sequences if v is not None] + [v for f in self.finals for v in f]

    def __repr__(self) -> str:
        kind = self.layers[0].info.kind + ("x%d" % len(self.layers) if len(self.layers) > 1 else "")
        return "FusedLoop(%s %s%s)" % (self.engine, kind, ", backward" if self.backward else "")

    def execute(self, run) -> None:
        """Compute the loop's outputs into ``run.values``."""
        values = run.values
        x = values[id(self.x)]
        B, T, device = x.shape[0], x.shape[1], x.device
        lengths = run.ctx.lengths.get(self.axis.name)
        layout = None if lengths is None else layout_for(run.ctx.cache, lengths, T, self.backward, device,
                                                         key=(self.axis.name, id(lengths)))
        if layout is None:
            run.run_steps(self.fallback)
            return
        dtype = self.dtype
        name, layout = engine_for(self.engine, layout, device)
        self.last_engine, engine = name, ENGINES[name]
        batch_first = layout.batch_first and engine.prepare_batch_first is not None
        prepare, memo = (engine.prepare_batch_first, (name, True)) if batch_first else (engine.prepare, (name, False))
        weights, inits = [], []
        for layer in self.layers:
            prepared = layer.prepared.get(memo) or layer.prepared.setdefault(memo, PreparedWeights())
            weights.append(prepared.get(prepare, layer.info, layer.role_names, [values[k] for k in layer.role_ids], dtype))
            inits.append(layer.initial_states(values, B, dtype, layout))
        xs = layout.pack(as_dtype(x if x.dim() == 3 else x.reshape(B, T, -1), dtype))
        if torch.is_autocast_enabled(device.type):  # the fused kernels run in the loop's dtype
            with torch.autocast(device.type, enabled=False):
                sequences, finals = engine.run(self.infos, weights, xs, inits, layout)
        else:
            sequences, finals = engine.run(self.infos, weights, xs, inits, layout)
        for k, var in enumerate(self.sequences):
            if var is None:
                continue
            if id(var) in self.packed_only and not layout.batch_first:
                run.packed[id(var)] = (sequences[k], layout, T)
            else:
                values[id(var)] = layout.unpack(sequences[k], T)
        for k, targets in enumerate(self.finals):
            if targets:
                final = layout.unsort(finals[k])
                for var in targets:
                    values[id(var)] = final
