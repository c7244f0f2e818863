"""What the workload scripts share (Python 3.6 compatible, no cntk or torch import): the ATIS file,
the number of distinct minibatches, and the CPU-time throughput loop."""
import os
import time

ATIS = os.environ.get("BENCH_ATIS", os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                                                 "atis.train.head.ctf"))
BATCHES = 4  # distinct minibatches cycled through


def throughput(step, samples, seconds, warmup=2):
    """Samples per CPU-second of ``step(k)`` cycling over the minibatches k (at least 3 measured calls)."""
    for k in range(warmup):
        step(k % len(samples))
    start = time.process_time()
    done, calls = 0, 0
    while True:
        k = calls % len(samples)
        step(k)
        done += samples[k]
        calls += 1
        elapsed = time.process_time() - start
        if elapsed >= seconds and calls >= 3:
            return done / elapsed
