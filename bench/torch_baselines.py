"""Hand-written PyTorch versions of the workloads in bench/workloads.py (nn.LSTM/nn.GRU,
torch.optim.Adam; SGD with momentum for W3 as there), measured the same way; and the machine's
matrix-product rate.

    python bench/torch_baselines.py W3 [--variant packed|padded] [--seconds 2]   # one JSON line
    python bench/torch_baselines.py matmul                                     # GFLOP/s, 1 thread
"""
from __future__ import annotations

import argparse
import json
import resource
import time
from typing import List, Tuple

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from measure import ATIS, BATCHES, throughput

torch.set_num_threads(1)


class Regression(nn.Module):
    """W1/W2/W4/W5: stacked recurrent layers, the last one's final state (or every step) into a Linear."""

    def __init__(self, cell: type, dims: List[int], out_dim: int, per_step: bool, init: float, dropout: float) -> None:
        super().__init__()
        self.layers = nn.ModuleList(cell(i, o, batch_first=True) for i, o in zip(dims[:-1], dims[1:]))
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(dims[-1], out_dim) if out_dim else None
        self.per_step = per_step
        self.init = init
        self.lstm = cell is nn.LSTM

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        last = None
        for k, layer in enumerate(self.layers):
            state = torch.full((1, x.shape[0], layer.hidden_size), self.init, device=x.device)
            h, last = layer(h, (state, state) if self.lstm else state)
            if k + 1 < len(self.layers):
                h = self.dropout(h)
        y = h if self.per_step else (last[0] if self.lstm else last)[0]
        return self.out(y) if self.out is not None else y


def regression(cell: type, dims: List[int], n_seq: int, length: int, out_dim: int, per_step: bool = False,
               init: float = 0.0, dropout: float = 0.0, seed: int = 0, device: str = "cpu"):
    torch.manual_seed(seed)
    model = Regression(cell, dims, out_dim, per_step, init, dropout).to(device)
    rng = np.random.RandomState(seed)
    target_dim = out_dim or dims[-1]
    batches = []
    for _ in range(BATCHES):
        x = torch.from_numpy(rng.standard_normal((n_seq, length, dims[0])).astype(np.float32))
        y = torch.from_numpy(rng.standard_normal((n_seq, length, target_dim) if per_step else (n_seq, target_dim))
                             .astype(np.float32))
        batches.append((x.to(device), y.to(device)))

    def loss_fn(k: int) -> torch.Tensor:
        x, y = batches[k]
        return ((model(x) - y) ** 2).sum()

    def infer(k: int) -> np.ndarray:
        return model(batches[k][0]).float().cpu().numpy()
    return model, loss_fn, infer, [n_seq * length] * BATCHES


def _atis_minibatches(limit: int = 1000) -> List[Tuple[List[np.ndarray], List[np.ndarray]]]:
    """The first BATCHES minibatches of ~limit words of ATIS (words and slot labels per sentence)."""
    sentences, cur = [], None
    with open(ATIS) as f:
        for line in f:
            seq_id, rest = line.split("\t", 1) if "\t" in line else line.split(" ", 1)
            if seq_id != cur:
                sentences.append(([], []))
                cur = seq_id
            for field in rest.split("|")[1:]:
                toks = field.split()
                if toks and toks[0] in ("S0", "S2"):
                    sentences[-1][0 if toks[0] == "S0" else 1].append(int(toks[1].split(":")[0]))
            if len(sentences) > 400:
                break
    batches, it = [], iter(sentences)
    pending = next(it)
    for _ in range(BATCHES):
        words, labels, count = [], [], 0
        while pending is not None and (not words or count + len(pending[0]) <= limit):
            words.append(np.array(pending[0]))
            labels.append(np.array(pending[1]))
            count += len(pending[0])
            pending = next(it, None)
        batches.append((words, labels))
    return batches


class Tagger(nn.Module):
    """W3: Embedding(150) -> LSTM(300) -> Linear(129) per word."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(943, 150)
        self.lstm = nn.LSTM(150, 300, batch_first=True)
        self.out = nn.Linear(300, 129)


def atis(variant: str, device: str = "cpu"):
    torch.manual_seed(0)
    model = Tagger().to(device)
    batches = []
    for words, labels in _atis_minibatches():
        lengths = torch.tensor([len(w) for w in words])
        padded = torch.zeros(len(words), int(lengths.max()), dtype=torch.long)
        target = torch.full_like(padded, -100)
        for b, (w, l) in enumerate(zip(words, labels)):
            padded[b, :len(w)] = torch.from_numpy(w)
            target[b, :len(l)] = torch.from_numpy(l)
        batches.append((padded.to(device), target.to(device), lengths))

    def logits(k: int):
        words, target, lengths = batches[k]
        e = model.embed(words)
        if variant == "packed":
            packed = pack_padded_sequence(e, lengths, batch_first=True, enforce_sorted=False)
            h, _ = model.lstm(packed)
            flat_target = pack_padded_sequence(target, lengths, batch_first=True, enforce_sorted=False).data
            return model.out(h.data), flat_target
        h, _ = model.lstm(e)
        return model.out(h).reshape(-1, 129), target.reshape(-1)

    def loss_fn(k: int) -> torch.Tensor:
        z, t = logits(k)
        return nn.functional.cross_entropy(z, t, reduction="sum", ignore_index=-100)

    def infer(k: int) -> np.ndarray:
        return logits(k)[0].float().cpu().numpy()
    return model, loss_fn, infer, [int(b[2].sum()) for b in batches]


def build(workload: str, variant: str, device: str = "cpu"):
    """The model, ``loss_fn(k)``, ``infer(k)`` and sample counts of a workload, on ``device``."""
    if workload == "W1":
        return regression(nn.LSTM, [1, 15], 10, 14, 1, seed=1, device=device)
    if workload in ("W2", "W4"):
        cell = nn.LSTM if workload == "W2" else nn.GRU
        return regression(cell, [1, 50, 50], 20, 50, 1, init=0.1, dropout=0.2, seed=2, device=device)
    if workload == "W5":
        return regression(nn.LSTM, [256, 512], 32, 100, 0, per_step=True, seed=5, device=device)
    return atis(variant, device)


def matmul_rate(seconds: float = 2.0) -> float:
    """GFLOP/s of a float32 (3200 x 768) @ (768 x 2048) product, the shape of W5's input projection."""
    a, b = torch.randn(3200, 768), torch.randn(768, 2048)
    a.mm(b)
    start, n = time.process_time(), 0
    while time.process_time() - start < seconds:
        a.mm(b)
        n += 1
    return 2.0 * 3200 * 768 * 2048 * n / (time.process_time() - start) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workload", choices=["W1", "W2", "W3", "W4", "W5", "matmul"])
    parser.add_argument("--variant", choices=["packed", "padded"], default="packed", help="W3 only")
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    if args.workload == "matmul":
        print(json.dumps({"gflops": matmul_rate(args.seconds)}))
        return
    model, loss_fn, infer, samples = build(args.workload, args.variant)
    opt = torch.optim.SGD(model.parameters(), lr=0.005, momentum=0.9) if args.workload == "W3" else \
        torch.optim.Adam(model.parameters(), lr=0.005, betas=(0.9, 0.999))

    def train(k: int) -> None:
        model.train()
        opt.zero_grad()
        loss_fn(k).backward()
        opt.step()

    def evaluate(k: int) -> None:
        model.eval()
        with torch.no_grad():
            infer(k)
    result = {"workload": args.workload, "variant": args.variant, "train": throughput(train, samples, args.seconds),
              "infer": throughput(evaluate, samples, args.seconds),
              "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
