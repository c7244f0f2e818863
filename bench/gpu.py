"""W3 and W5 on a GPU: cntk-torch against hand-written PyTorch, float32 and bfloat16 mixed
precision, as one table of training and inference samples per second (wall clock, the device
synchronised after every call). See bench/README.md.

    PYTHONPATH=. .venv/bin/python bench/gpu.py                    # cuda; about 2 minutes on one GPU
    PYTHONPATH=. .venv/bin/python bench/gpu.py --device cpu --quick   # smoke check without a GPU

Ours runs `bench/workloads.py`'s definitions with the default device set to the GPU and
``cntk.device.set_mixed_precision('bf16')`` for the bf16 rows; torch runs `bench/torch_baselines.py`'s
models on the same device under ``torch.autocast`` for bf16 (W3 with packed sequences).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable, Dict, List, Optional

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cntk as C  # noqa: E402
import torch_baselines  # noqa: E402
import workloads  # noqa: E402
from measure import ATIS  # noqa: E402

PRECISIONS = {"fp32": None, "bf16": "bf16"}


def rate(step: Callable[[int], object], samples: List[int], seconds: float, device: torch.device) -> float:
    """Samples per wall-clock second of ``step(k)`` over the minibatches k (two warm-up calls, at
    least three measured), synchronising the device after each call."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for k in range(2):
        step(k % len(samples))
    sync()
    start, done, calls = time.perf_counter(), 0, 0
    while True:
        k = calls % len(samples)
        step(k)
        sync()
        done += samples[k]
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and calls >= 3:
            return done / elapsed


def ours(workload: str, precision: Optional[str], seconds: float, device: torch.device) -> Dict[str, float]:
    """Train and eval rates of the cntk definition of ``workload``."""
    C.device.set_mixed_precision(precision)
    try:
        w = workloads.WORKLOADS[workload]()
        return {"train": rate(w.train, w.samples, seconds, device), "infer": rate(w.infer, w.samples, seconds, device)}
    finally:
        C.device.set_mixed_precision(None)


def plain_torch(workload: str, precision: Optional[str], seconds: float, device: torch.device) -> Dict[str, float]:
    """Train and eval rates of the hand-written PyTorch version of ``workload``."""
    model, loss_fn, infer, samples = torch_baselines.build(workload, "packed", str(device))
    opt = torch.optim.SGD(model.parameters(), lr=0.005, momentum=0.9) if workload == "W3" else \
        torch.optim.Adam(model.parameters(), lr=0.005)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")

    def train(k: int) -> None:
        model.train()
        opt.zero_grad()
        with autocast:
            loss = loss_fn(k)
        loss.backward()
        opt.step()

    def evaluate(k: int) -> None:
        model.eval()
        with torch.no_grad(), autocast:
            infer(k)
    return {"train": rate(train, samples, seconds, device), "infer": rate(evaluate, samples, seconds, device)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (0.2 s per measurement)")
    parser.add_argument("--seconds", type=float, default=3.0, help="wall-clock seconds per measurement")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("bench/gpu.py: CUDA is not available to torch %s here; nothing measured (use --device cpu --quick "
              "for a smoke check)" % torch.__version__)
        return
    device = torch.device(args.device, 0) if args.device == "cuda" else torch.device("cpu")
    if args.device == "cuda":
        C.device.try_set_default_device(C.device.gpu(0))
        torch.backends.cuda.matmul.allow_tf32 = False  # float32 means float32 for both systems
        torch.backends.cudnn.allow_tf32 = False
    seconds = 0.2 if args.quick else args.seconds
    names = ["W3", "W5"] if os.path.exists(ATIS) else ["W5"]
    if "W3" not in names:
        print("W3 skipped: %s not found (set BENCH_ATIS)" % ATIS)
    print("samples per second on %s (wall clock), %.1f s per measurement" % (device, seconds))
    head = ("workload", "precision", "ours train", "torch train", "o/t", "ours infer", "torch infer", "o/t")
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for name in names:
        for label, precision in PRECISIONS.items():
            o, t = (measured(system, name, precision, seconds, device) for system in (ours, plain_torch))
            cells = [name, label]
            for mode in ("train", "infer"):
                cells += [fmt(o, mode), fmt(t, mode), "%.2f" % (o[mode] / t[mode]) if o and t else "-"]
            print(" | ".join(cells), flush=True)


def measured(system: Callable[..., Dict[str, float]], *args: object) -> Optional[Dict[str, float]]:
    """``system(*args)``, or None (reported on stderr) when torch cannot run it here, e.g. its CPU
    LSTM under bfloat16 autocast on processors without bfloat16 support."""
    try:
        return system(*args)
    except RuntimeError as e:
        print("%s %s: failed: %s" % (system.__name__, args[:2], str(e).splitlines()[0]), file=sys.stderr)
        return None


def fmt(result: Optional[Dict[str, float]], mode: str) -> str:
    return "%.0f" % result[mode] if result else "-"


if __name__ == "__main__":
    main()
