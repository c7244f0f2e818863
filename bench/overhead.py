"""Fixed cost per minibatch: microseconds per training step and per eval call of cntk-torch on
tiny models, against hand-written PyTorch doing the same step (see bench/README.md).

    PYTHONPATH=. .venv/bin/python bench/overhead.py [--steps 300] [--rounds 5]

Cases: ``Dense(1)`` on one 1-dim sample (squared error, SGD), and the W1 seed model
``Fold(LSTM(15))``, ``Dense(1)`` on one sequence of 14 steps (squared error, Adam). Both systems
run in this process, one thread, interleaved round by round; the medians of process CPU time per
call are printed with the ratio ours/torch.
"""
from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable, Dict, List, Tuple

import numpy as np
import torch
from torch import nn

import cntk as C

torch.set_num_threads(1)

Step = Callable[[], object]


def _cntk_case(layers: list, x_shape: Tuple[int, ...], sequence: bool, adam: bool) -> Tuple[Step, Step]:
    """A cntk Trainer step and an eval call on one fixed minibatch."""
    x = C.sequence.input_variable(x_shape[-1]) if sequence else C.input_variable(x_shape[-1])
    y = C.input_variable(1)
    model = C.layers.Sequential(layers)(x)
    loss = C.squared_error(model, y)
    lr = C.learning_parameter_schedule(0.01)
    learner = C.adam(model.parameters, lr=lr, momentum=C.momentum_schedule(0.9)) if adam else \
        C.sgd(model.parameters, lr=lr)
    trainer = C.Trainer(model, (loss, loss), [learner])
    rng = np.random.RandomState(0)
    xs, ys = rng.randn(*x_shape).astype(np.float32), rng.randn(1, 1).astype(np.float32)
    return (lambda: trainer.train_minibatch({x: xs, y: ys})), (lambda: model.eval({x: xs}))


class _SeedModel(nn.Module):
    """Hand-written W1: an LSTM's final state into a Linear."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, 15, batch_first=True)
        self.out = nn.Linear(15, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.lstm(x)[1][0][0])


def _torch_case(model: nn.Module, x_shape: Tuple[int, ...], adam: bool) -> Tuple[Step, Step]:
    """The same step in plain PyTorch: zero_grad, forward, summed squared error, backward, update."""
    opt = torch.optim.Adam(model.parameters(), lr=0.01) if adam else torch.optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.RandomState(0)
    xs = torch.from_numpy(rng.randn(*x_shape).astype(np.float32))
    ys = torch.from_numpy(rng.randn(1, 1).astype(np.float32))

    def train() -> None:
        opt.zero_grad()
        ((model(xs) - ys) ** 2).sum().backward()
        opt.step()

    def infer() -> np.ndarray:
        with torch.no_grad():
            return model(xs).numpy()
    return train, infer


def cases() -> Dict[str, Dict[str, Tuple[Step, Step]]]:
    """{case: {system: (train step, eval call)}}."""
    L = C.layers
    return {
        "Dense(1), 1 sample": {"ours": _cntk_case([L.Dense(1)], (1, 1), sequence=False, adam=False),
                               "torch": _torch_case(nn.Linear(1, 1), (1, 1), adam=False)},
        "W1 seed model, 1 sequence x 14": {
            "ours": _cntk_case([L.Fold(L.LSTM(15)), L.Dense(1)], (1, 14, 1), sequence=True, adam=True),
            "torch": _torch_case(_SeedModel(), (1, 14, 1), adam=True)},
    }


def per_call_us(step: Step, calls: int) -> float:
    """Process CPU microseconds per call of ``step`` over ``calls`` calls."""
    start = time.process_time()
    for _ in range(calls):
        step()
    return (time.process_time() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=300, help="calls per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; medians are reported")
    args = parser.parse_args()
    table = cases()
    samples: Dict[Tuple[str, str, int], List[float]] = {}
    for systems in table.values():
        for train, infer in systems.values():  # warm up: plans compiled, allocator primed
            for _ in range(20):
                train()
                infer()
    for _ in range(args.rounds):
        for case, systems in table.items():
            for name, steps in systems.items():
                for mode in (0, 1):
                    samples.setdefault((case, name, mode), []).append(per_call_us(steps[mode], args.steps))
    print("microseconds of process CPU time per call, 1 thread, median of %d rounds x %d calls"
          % (args.rounds, args.steps))
    head = ("case", "ours train", "torch train", "o/t", "ours eval", "torch eval", "o/t")
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for case in table:
        cells = [case]
        for mode in (0, 1):
            ours, base = (statistics.median(samples[case, n, mode]) for n in ("ours", "torch"))
            cells += ["%.0f" % ours, "%.0f" % base, "%.1f" % (ours / base)]
        print(" | ".join(cells))


if __name__ == "__main__":
    main()
