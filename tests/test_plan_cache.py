"""The structure behind a low per-minibatch cost: a plan is compiled once per output set and
reused for every minibatch, whatever its batch size or sequence lengths."""
from __future__ import annotations

from typing import List

import numpy as np
import pytest

import cntk as C
from cntk._exec import runner
from cntk._graph.function import graph_changed


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> List[int]:
    """Counts calls of the plan compiler the executor uses."""
    calls: List[int] = []
    compile_plan = runner.compile_plan

    def counting(*args, **kwargs):
        calls.append(1)
        return compile_plan(*args, **kwargs)
    monkeypatch.setattr(runner, "compile_plan", counting)
    return calls


def _seed_trainer():
    """The W1 seed model (Fold(LSTM), Dense(1)) with its squared-error Trainer."""
    x = C.sequence.input_variable(1)
    y = C.input_variable(1)
    model = C.layers.Sequential([C.layers.Fold(C.layers.LSTM(5)), C.layers.Dense(1)])(x)
    loss = C.squared_error(model, y)
    learner = C.sgd(model.parameters, lr=C.learning_parameter_schedule(0.01))
    return x, y, model, C.Trainer(model, (loss, loss), [learner])


def test_one_compile_for_twenty_same_shaped_minibatches(compiles: List[int]) -> None:
    x, y, _, trainer = _seed_trainer()
    rng = np.random.RandomState(0)
    for _ in range(20):
        trainer.train_minibatch({x: rng.randn(4, 7, 1).astype(np.float32), y: rng.randn(4, 1).astype(np.float32)})
    assert len(compiles) == 1


def test_no_recompile_when_sequence_lengths_or_batch_size_change(compiles: List[int]) -> None:
    x, y, model, trainer = _seed_trainer()
    rng = np.random.RandomState(1)
    for k in range(12):
        lengths = rng.randint(1, 9, size=1 + k % 4)
        seqs = [rng.randn(n, 1).astype(np.float32) for n in lengths]
        trainer.train_minibatch({x: seqs, y: rng.randn(len(seqs), 1).astype(np.float32)})
        model.eval({x: seqs})
    assert len(compiles) == 2  # the criterion's plan and the model's output plan, once each


def test_graph_change_recompiles(compiles: List[int]) -> None:
    x = C.input_variable(2)
    z = C.layers.Dense(1)(x)
    data = np.ones((3, 2), np.float32)
    z.eval({x: data})
    z.eval({x: data})
    graph_changed()  # what rewiring a graph (e.g. replace_placeholders) does: cached plans are stale
    z.eval({x: data})
    assert len(compiles) == 2
