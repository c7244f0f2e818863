"""Engines that hand a stock cell to torch's own recurrent kernels (cuDNN on GPU).

CNTK's LSTM computes the same function as torch's (one bias instead of two, gates in another
order, an optional projection that torch calls ``proj_size``), so `lstm` re-lays the weights
and calls torch's packed-sequence LSTM. `rnn` does the same for an `RNNStep` with tanh or relu.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Tuple

import torch

from .engine import Result, Weights
from .layout import SequenceLayout
from .weights import as_matrix, fold_stabilizers, gate_blocks, zero_bias

Tensor = torch.Tensor

# torch's kernels, looked up once (each ``torch._VF.<name>`` goes through a module ``__getattr__``)
_LSTM, _RNN_TANH, _RNN_RELU = torch._VF.lstm, torch._VF.rnn_tanh, torch._VF.rnn_relu

# CNTK packs an LSTM's projections as [input gate, candidate, forget gate, output gate]; torch as
# [input, forget, candidate, output].
TORCH_LSTM_GATES = (0, 2, 1, 3)


# Stacked initial states by the ids of the per-layer states they were made from; each entry holds
# those states, so no other tensor can take their ids while it is kept.
_STACKED: Dict[Tuple[int, ...], Tuple[Tuple[Tensor, ...], List[Tensor]]] = {}
_STACKED_KEPT = 16


def _stacked_states(inits: List[List[Tensor]]) -> List[Tensor]:
    """Each state of all layers as the ``[layers, B, d]`` tensor torch's kernels take. A loop's
    constant initial states are the same tensors every minibatch (`CellLayer.initial_states`), so
    their stacked form is kept and reused."""
    states = tuple(t for layer in inits for t in layer)
    key = tuple(map(id, states))
    kept = _STACKED.get(key)
    if kept is not None:
        return kept[1]
    stacked = [torch.stack([layer[k] for layer in inits]) for k in range(len(inits[0]))]
    if not any(t.requires_grad for t in states):  # (states in autograd's graph are new every minibatch)
        if len(_STACKED) >= _STACKED_KEPT:
            _STACKED.clear()
        _STACKED[key] = (states, stacked)
    return stacked


def lstm_weights(info, w: Weights) -> Weights:
    """torch's LSTM weights ``w_ih, w_hh, b_ih, b_hh[, w_hr]`` (keys ``'0'``.. in that order)."""
    w = fold_stabilizers(w, info.steepness)
    b = w["b"]
    n4 = b.shape[0]
    flat = [gate_blocks(as_matrix(w["W"], n4), TORCH_LSTM_GATES).t(), gate_blocks(w["H"], TORCH_LSTM_GATES).t(),
            gate_blocks(b, TORCH_LSTM_GATES), zero_bias(b)]
    if "P" in w:
        flat.append(w["P"].t())
    return _stored(flat)


def lstm(infos, weights: List[Weights], xs: Tensor, inits: List[List[Tensor]], layout: SequenceLayout) -> Result:
    """``Recurrence(LSTM)`` (tanh, no peepholes), or a stack of them, through ``torch._VF.lstm``
    on packed sequences (or padded batch-first ones, see `BatchFirstLayout`)."""
    flat = [t for w in weights for t in w.values()]
    h0, c0 = _stacked_states(inits)
    train = torch.is_grad_enabled()
    if layout.batch_first:
        out, h, c = _LSTM(xs, (h0, c0), flat, True, len(weights), 0.0, train, False, True)
    else:
        out, h, c = _LSTM(xs, layout.batch_sizes_tensor, (h0, c0), flat, True, len(weights), 0.0, train, False)
    return [out, None], [h[-1], c[-1]]


def rnn_weights(info, w: Weights) -> Weights:
    """torch's RNN weights ``w_ih, w_hh, b_ih, b_hh``."""
    w = fold_stabilizers(w, info.steepness)
    b = w["b"]
    flat = [as_matrix(w["W"], b.shape[0]).t(), w["H"].t(), b, zero_bias(b)]
    return _stored(flat)


def _stored(flat: List[Tensor]) -> Weights:
    """torch's weight list, keys ``'0'``.. in order. The weights stay transposed views: torch's
    packed CPU kernel multiplies by them faster than by contiguous copies (17.7 against 18.2 ms on
    an ATIS minibatch); see `stored_contiguous` for its batch-first kernel."""
    return {str(k): t for k, t in enumerate(flat)}


def stored_contiguous(prepare: Callable[..., Weights]) -> Callable[..., Weights]:
    """``prepare`` with every weight stored contiguous, for torch's batch-first (oneDNN) kernel, which
    copies a transposed view on every call (2 of 130 ms with W5's shapes)."""
    def prepare_contiguous(info, w: Weights) -> Weights:
        return {k: t.contiguous() for k, t in prepare(info, w).items()}
    return prepare_contiguous


def rnn(infos, weights: List[Weights], xs: Tensor, inits: List[List[Tensor]], layout: SequenceLayout) -> Result:
    """``Recurrence(RNNStep)`` with tanh or relu through torch's RNN (one layer) on packed sequences
    (or padded batch-first ones, see `BatchFirstLayout`)."""
    kernel = _RNN_TANH if infos[0].activation == "tanh" else _RNN_RELU
    (h0,), flat, train = _stacked_states(inits), list(weights[0].values()), torch.is_grad_enabled()
    if layout.batch_first:
        out, h = kernel(xs, h0, flat, True, 1, 0.0, train, False, True)
    else:
        out, h = kernel(xs, layout.batch_sizes_tensor, h0, flat, True, 1, 0.0, train, False)
    return [out], [h[0]]
