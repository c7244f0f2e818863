"""Run the benchmark suite: every workload under cntk-torch, hand-written PyTorch and CNTK 2.7,
interleaved (A B C, A B C, ...), and print train and inference samples per CPU-second with the
ratios ours/torch and ours/CNTK. See bench/README.md.

    .venv/bin/python bench/run.py [--workloads W1,W3] [--rounds 3] [--seconds 2] [--threads 1]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CNTK27 = os.environ.get("CNTK27_PYTHON", "/opt/cntk-ref/bin/python")

# Forward matrix-product FLOPs per sample (one input step) of each workload's recurrent and dense
# layers; training counts three times that (forward, and two products per weight backward).
FLOPS = {
    "W1": 2 * (1 + 15) * 4 * 15,
    "W2": 2 * (1 + 50) * 4 * 50 + 2 * (50 + 50) * 4 * 50,
    "W3": 2 * (150 + 300) * 4 * 300 + 2 * 300 * 129,
    "W4": 2 * (1 + 50) * 3 * 50 + 2 * (50 + 50) * 3 * 50,
    "W5": 2 * (256 + 512) * 4 * 512,
}


def _env(threads: int, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)})
    env.update(extra or {})
    return env


def systems(threads: int) -> Dict[str, dict]:
    """How to run each system's script (CNTK 2.7 limited by OMP_THREAD_LIMIT, its MKL on its fast path)."""
    py = sys.executable
    found = {
        "ours": {"cmd": [py, os.path.join(HERE, "workloads.py")], "env": _env(threads, {"PYTHONPATH": ROOT})},
        "torch": {"cmd": [py, os.path.join(HERE, "torch_baselines.py")], "env": _env(threads)},
    }
    if os.path.exists(CNTK27):
        found["cntk"] = {"cmd": [CNTK27, os.path.join(HERE, "workloads.py")],
                         "env": _env(threads, {"OMP_THREAD_LIMIT": str(threads), "MKL_DEBUG_CPU_TYPE": "5"})}
    return found


def run_one(spec: dict, args: List[str]) -> Optional[dict]:
    """One measurement in a fresh process (cwd outside the repository so CNTK 2.7 imports its own cntk)."""
    proc = subprocess.run(spec["cmd"] + args, env=spec["env"], cwd="/tmp", capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        sys.stderr.write("FAILED %s %s\n%s\n" % (spec["cmd"][0], " ".join(args), proc.stderr[-2000:]))
        return None
    return json.loads(lines[-1])


def _fmt(x: Optional[float]) -> str:
    if x is None:
        return "-"
    return "%.1fk" % (x / 1000) if x >= 1000 else "%.0f" % x


def _ratio(a: Optional[float], b: Optional[float]) -> str:
    return "%.2f" % (a / b) if a and b else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W5")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are reported")
    parser.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per measurement and mode")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", help="also write the raw measurements here")
    args = parser.parse_args()
    workloads = args.workloads.split(",")
    runners = systems(args.threads)
    variants = {"torch": {"W3": ["packed", "padded"]}}
    results: Dict[tuple, List[dict]] = {}
    matmul = []
    for r in range(args.rounds):
        matmul.append(run_one(runners["torch"], ["matmul", "--seconds", str(args.seconds)]))
        for w in workloads:
            for name, spec in runners.items():
                for variant in variants.get(name, {}).get(w, [None]):
                    extra = ["--variant", variant] if variant else []
                    res = run_one(spec, [w, "--seconds", str(args.seconds)] + extra)
                    if res is not None:
                        results.setdefault((w, name, variant), []).append(res)
                    sys.stderr.write("round %d %s %s%s: %s\n" % (r + 1, w, name, "/" + variant if variant else "",
                                                                  res and {k: round(res[k]) for k in ("train", "infer")}))
    gflops = statistics.median(m["gflops"] for m in matmul if m) if any(matmul) else None

    def med(w: str, name: str, key: str) -> Optional[float]:
        best = None
        for (w2, n2, _), rs in results.items():
            if w2 == w and n2 == name:
                v = statistics.median(r[key] for r in rs)
                best = v if best is None else max(best, v)  # the fastest variant
        return best

    print("\nsamples per CPU-second, %d thread(s), median of %d interleaved rounds; torch = fastest hand-written "
          "variant; matmul rate %.1f GFLOP/s (median of one probe per round)" % (args.threads, args.rounds, gflops or 0))
    head = ("workload", "ours train", "torch", "CNTK", "o/torch", "o/CNTK", "ours infer", "torch", "CNTK", "o/torch",
            "o/CNTK", "%peak tr", "rss MB o/t")
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    table = {}
    for w in workloads:
        row = {(name, key): med(w, name, key) for name in ("ours", "torch", "cntk") for key in ("train", "infer")}
        rss = {name: med(w, name, "maxrss_mb") for name in ("ours", "torch")}
        peak = "%.0f%%" % (100.0 * row["ours", "train"] * 3 * FLOPS[w] / (gflops * 1e9)) \
            if gflops and row["ours", "train"] else "-"
        print(" | ".join([w, _fmt(row["ours", "train"]), _fmt(row["torch", "train"]), _fmt(row["cntk", "train"]),
                          _ratio(row["ours", "train"], row["torch", "train"]),
                          _ratio(row["ours", "train"], row["cntk", "train"]),
                          _fmt(row["ours", "infer"]), _fmt(row["torch", "infer"]), _fmt(row["cntk", "infer"]),
                          _ratio(row["ours", "infer"], row["torch", "infer"]),
                          _ratio(row["ours", "infer"], row["cntk", "infer"]), peak,
                          "%s/%s" % (_fmt(rss["ours"]), _fmt(rss["torch"]))]))
        table[w] = {"%s_%s" % k: v for k, v in row.items()}
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"matmul_gflops": gflops, "table": table,
                       "raw": {"%s/%s/%s" % k: v for k, v in results.items()}}, f, indent=1)


if __name__ == "__main__":
    main()
