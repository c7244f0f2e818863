"""Reader throughput and memory: cntk.io (this project) vs CNTK 2.7's C++ reader on the same files.

    .venv/bin/python bench/bench_reader.py [--atis PATH] [--dense-mb 200] [--repeats 3] [--only ours|cntk]

Workloads, each one full sweep (randomize=False) into minibatches, timed from constructing the
MinibatchSource to the end of the sweep (the parse is included):

* ATIS train (sparse, 3 streams, 943/26/129 dims), minibatches of 70 samples;
* a dense time series generated once into the temp dir (``--dense-mb`` MB; sequences of 10 rows,
  ``|x`` 8 values, ``|y`` 1 value on the first row), minibatches of 1000 samples;
* the same dense file read as a stream: randomization_window_in_chunks=1 with 8 MB chunks (ours),
  so at most 2 chunks of data are in memory (peak RSS shows the bound; chunks not kept are
  indexed in the first pass and parsed again when read).

A hand-written plain-Python loop (parse only) is timed once per workload for scale. Every run
of the two readers is a fresh process; ours and CNTK's alternate, and the median of ``--repeats`` runs is
reported: wall time, CPU time of the process, MB/s and samples/s (wall), peak RSS and how much
of it came while reading (the rest is the interpreter and its imports). On a shared machine the
wall times vary with the load; compare the two readers' figures from the same invocation. This
is a benchmark, not a test.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REFERENCE = "/opt/cntk-ref/bin/python"

WORKLOAD = r'''
import json, sys, time
def peak_rss_mb():            # this process image's peak (ru_maxrss would include the parent's before exec)
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024.0
if %(ours)r:
    sys.path.insert(0, %(root)r)
from cntk.io import MinibatchSource, CTFDeserializer, StreamDef, StreamDefs
path, streams, k, kw, chunk = %(path)r, %(streams)r, %(k)d, %(kw)r, %(chunk)r
if chunk and %(ours)r:
    import cntk._io.constants as constants
    constants.CTF_CHUNK_BYTES = chunk
sd = StreamDefs(**{n: StreamDef(field=f, shape=d, is_sparse=s) for n, (f, d, s) in streams.items()})
rss0 = peak_rss_mb()
wall, cpu = time.time(), time.process_time()
src = MinibatchSource(CTFDeserializer(path, sd), randomize=False, max_sweeps=1, **kw)
n = 0
while True:
    mb = src.next_minibatch(k)
    if not mb:
        break
    n += max(v.num_samples for v in mb.values())
wall, cpu = time.time() - wall, time.process_time() - cpu
rss = peak_rss_mb()
print("RESULT " + json.dumps(dict(wall=wall, cpu=cpu, samples=n, rss=rss, rss0=rss0)))
'''

ATIS_STREAMS = {"query": ("S0", 943, True), "intent": ("S1", 26, True), "slots": ("S2", 129, True)}
DENSE_STREAMS = {"x": ("x", 8, False), "y": ("y", 1, False)}


def make_dense(path, megabytes):
    """A dense time-series CTF file of about ``megabytes`` MB (written once, then reused)."""
    if os.path.exists(path):
        return
    import numpy as np
    rng = np.random.default_rng(0)
    target, rows = megabytes * 1e6, 0
    with open(path + ".tmp", "w") as f:
        while f.tell() < target:
            x = rng.standard_normal((100000, 8)).astype(np.float32)
            lines = []
            for r in x:
                row = "%d |x %s" % (rows // 10, " ".join("%.5f" % v for v in r))
                if rows % 10 == 0:
                    row += " |y %.5f" % r[0]
                lines.append(row)
                rows += 1
            f.write("\n".join(lines) + "\n")
    os.replace(path + ".tmp", path)


PLAIN_PYTHON = r'''
import sys, time
path, streams = %(path)r, %(streams)r
start = time.time()
fields = {f: s for f, _, s in streams.values()}
data = {f: [] for f in fields}
with open(path) as fh:
    for line in fh:
        for part in line.split("|")[1:]:
            toks = part.split()
            if not toks or toks[0] not in fields:
                continue
            if fields[toks[0]]:
                data[toks[0]].append([(int(a), float(b)) for a, b in (t.split(":") for t in toks[1:])])
            else:
                data[toks[0]].append([float(t) for t in toks[1:]])
print("RESULT", time.time() - start)
'''


def plain_python(path, streams):
    """Seconds a hand-written Python CTF loop takes to read ``path`` (split every line, float() every
    value; no sequences, no minibatches), in its own process."""
    out = subprocess.run([sys.executable, "-c", PLAIN_PYTHON % dict(path=path, streams=streams)],
                         stdout=subprocess.PIPE, universal_newlines=True, check=True)
    return float(out.stdout.split()[-1])


def run_once(python, ours, path, streams, k, kw, chunk):
    code = WORKLOAD % dict(root=ROOT, path=path, streams=streams, k=k, kw=kw, chunk=chunk, ours=ours)
    out = subprocess.run([python, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, cwd=tempfile.gettempdir())
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError("benchmark run failed:\n" + out.stderr[-3000:])


def report(name, path, streams, k, repeats, kw=None, chunk=None, only=None, baseline=False):
    kw = kw or {}
    mb = os.path.getsize(path) / 1e6
    runs = {"cntk-torch": [], "CNTK 2.7": []}
    have_ref = os.path.exists(REFERENCE) and only != "ours"
    for _ in range(repeats):
        if only != "cntk":
            runs["cntk-torch"].append(run_once(sys.executable, True, path, streams, k, kw, chunk))
        if have_ref:
            runs["CNTK 2.7"].append(run_once(REFERENCE, False, path, streams, k, kw, chunk))
    print("%s: %.1f MB, %s" % (name, mb, ", ".join("%s=%s" % kv for kv in kw.items()) or "defaults"))
    med = {}
    for who, rs in runs.items():
        if not rs:
            continue
        wall = statistics.median(r["wall"] for r in rs)
        cpu = statistics.median(r["cpu"] for r in rs)
        rss = statistics.median(r["rss"] for r in rs)
        grown = statistics.median(r["rss"] - r["rss0"] for r in rs)
        n = rs[0]["samples"]
        med[who] = wall
        print("  %-12s wall %6.2f s  cpu %6.2f s  %7.1f MB/s  %9.0f samples/s  peak RSS %5.0f MB (+%4.0f MB while"
              " reading)  %d samples" % (who, wall, cpu, mb / wall, n / wall, rss, grown, n))
    if baseline:
        secs = plain_python(path, streams)
        print("  %-12s wall %6.2f s                %7.1f MB/s  (parse only, one run)" % ("plain Python", secs, mb / secs))
    if len(med) == 2:
        print("  throughput ratio cntk-torch / CNTK 2.7: %.2fx" % (med["CNTK 2.7"] / med["cntk-torch"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--atis", default=os.path.join(ROOT, "..", "shared", "data", "atis", "atis.train.ctf"))
    ap.add_argument("--dense-mb", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", choices=["ours", "cntk"])
    ap.add_argument("--skip", default="", help="comma-separated: atis,dense,stream")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if os.path.exists(args.atis) and "atis" not in skip:
        report("ATIS train (sparse)", os.path.abspath(args.atis), ATIS_STREAMS, 70, args.repeats, only=args.only,
               baseline=True)
    dense = os.path.join(tempfile.gettempdir(), "cntk_bench_dense_%dmb.ctf" % args.dense_mb)
    make_dense(dense, args.dense_mb)
    if "dense" not in skip:
        report("dense time series", dense, DENSE_STREAMS, 1000, args.repeats, only=args.only, baseline=True)
    if "stream" not in skip:
        report("dense time series, streamed (window of 1 chunk; our chunks 8 MB, CNTK's 32 MB)", dense,
               DENSE_STREAMS, 1000, args.repeats, kw=dict(randomization_window_in_chunks=1), chunk=8 << 20,
               only=args.only)


if __name__ == "__main__":
    main()
