"""Reader throughput: cntk.io (this project) vs a plain-Python CTF loop and vs CNTK 2.7.

    .venv/bin/python bench/bench_reader.py [--atis PATH] [--rows N]

Workloads: (1) ATIS train (sparse, 3 streams), (2) a dense time series generated on the fly
(sequences of 10 rows, |x 8 values |y 1 value). Each: parse + one full sweep of minibatches of
70 (ATIS) / 1000 (dense) samples, randomize=False. Prints MB/s and samples/s and the ratios.
Not a test.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

WORKLOAD = r'''
import sys, time
from cntk.io import MinibatchSource, CTFDeserializer, StreamDef, StreamDefs
def run(path, streams, k):
    sd = StreamDefs(**{n: StreamDef(field=f, shape=d, is_sparse=s) for n, (f, d, s) in streams.items()})
    t = time.time()
    src = MinibatchSource(CTFDeserializer(path, sd), randomize=False, max_sweeps=1)
    n = 0
    while True:
        mb = src.next_minibatch(k)
        if not mb:
            break
        n += max(v.num_samples for v in mb.values())
    return time.time() - t, n
'''

ATIS_STREAMS = {"query": ("S0", 943, True), "intent": ("S1", 26, True), "slots": ("S2", 129, True)}
DENSE_STREAMS = {"x": ("x", 8, False), "y": ("y", 1, False)}


def baseline(path, streams):
    """Hand-written plain-Python CTF reader: split every line, float() every value."""
    t = time.time()
    fields = {f: (d, s) for f, d, s in streams.values()}
    data = {f: [] for f in fields}
    n = 0
    with open(path) as fh:
        for line in fh:
            for part in line.split("|")[1:]:
                if part[:1] == "#":
                    continue
                toks = part.split()
                spec = fields.get(toks[0])
                if spec is None:
                    continue
                if spec[1]:
                    data[toks[0]].append([(int(a), float(b)) for a, b in (x.split(":") for x in toks[1:])])
                else:
                    data[toks[0]].append([float(x) for x in toks[1:]])
            n += 1
    return time.time() - t, n


def make_dense(path, rows):
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, 8)).astype(np.float32)
    with open(path, "w") as f:
        for i in range(rows):
            row = "%d |x %s" % (i // 10, " ".join("%.5f" % v for v in x[i]))
            if i % 10 == 0:
                row += " |y %.5f" % x[i, 0]
            f.write(row + "\n")


def ours(path, streams, k):
    ns = {}
    exec(WORKLOAD, ns)
    from cntk._io.deserializers import clear_cache
    clear_cache()
    return ns["run"](path, streams, k)


def reference(path, streams, k):
    ref = "/opt/cntk-ref/bin/python"
    if not os.path.exists(ref):
        return None
    code = WORKLOAD + "\nimport json\nprint('RESULT', *run(%r, %r, %d))\n" % (path, streams, k)
    out = subprocess.run([ref, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True,
                         cwd=tempfile.gettempdir())
    for line in out.stdout.splitlines():
        if line.startswith("RESULT"):
            _, secs, n = line.split()
            return float(secs), int(n)
    return None


def report(name, path, streams, k):
    mb = os.path.getsize(path) / 1e6
    t_ours, n = ours(path, streams, k)
    t_base, _ = baseline(path, streams)
    ref = reference(path, streams, k)
    print("%s: %.1f MB, %d samples" % (name, mb, n))
    print("  cntk-torch      %6.3f s  %7.1f MB/s  %10.0f samples/s" % (t_ours, mb / t_ours, n / t_ours))
    print("  plain Python    %6.3f s  %7.1f MB/s  (parse only)   ours is %.2fx faster" % (t_base, mb / t_base, t_base / t_ours))
    if ref:
        print("  CNTK 2.7        %6.3f s  %7.1f MB/s  %10.0f samples/s  ours is %.2fx faster"
              % (ref[0], mb / ref[0], ref[1] / ref[0], ref[0] / t_ours))
    else:
        print("  CNTK 2.7        not available")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--atis", default=os.path.join(HERE, "..", "..", "shared", "data", "atis", "atis.train.ctf"))
    ap.add_argument("--rows", type=int, default=500000)
    args = ap.parse_args()
    if os.path.exists(args.atis):
        report("ATIS train (sparse)", os.path.abspath(args.atis), ATIS_STREAMS, 70)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "dense.ctf")
        make_dense(path, args.rows)
        report("dense time series", path, DENSE_STREAMS, 1000)


if __name__ == "__main__":
    main()
