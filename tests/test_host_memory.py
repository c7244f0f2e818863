"""Training keeps freed host memory for reuse (cntk/_exec/host_memory.py): the first training pass
tunes glibc so that large freed blocks are not handed back to the kernel, and the next minibatch's
buffers cost no page faults. Each case runs in a fresh process, as the tuning is process-wide."""
import json
import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                                reason="the tuning applies to glibc on Linux only")

PROBE = r"""
import json, resource
import numpy as np
import torch
import cntk as C
from cntk._exec import host_memory

def faults_per_large_buffer():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        torch.empty(16 << 20).fill_(1.0)  # 64 MB, written, then freed
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5

x = C.sequence.input_variable(1)
y = C.input_variable(1)
model = C.layers.Sequential([C.layers.Fold(C.layers.LSTM(4)), C.layers.Dense(1)])(x)
loss = C.squared_error(model, y)
trainer = C.Trainer(model, (loss, loss), [C.sgd(model.parameters, lr=0.1)])
xs, ys = np.ones((2, 3, 1), np.float32), np.ones((2, 1), np.float32)
result = {"untuned_faults": faults_per_large_buffer()}
model.eval({x: xs})
result["after_eval"] = host_memory.keeps_freed_memory()
trainer.train_minibatch({x: xs, y: ys})
result["after_training"] = host_memory.keeps_freed_memory()
faults_per_large_buffer()  # the first buffer after tuning may still come from fresh pages
result["tuned_faults"] = faults_per_large_buffer()
print(json.dumps(result))
"""


def _probe(**env: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE], env=dict(os.environ, **env), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_training_keeps_freed_memory_and_large_buffers_stop_faulting():
    result = _probe()
    assert result["untuned_faults"] > 10000  # 64 MB of fresh 4 KB pages
    assert result["after_eval"] is False  # inference alone leaves the allocator as it is
    assert result["after_training"] is True
    assert result["tuned_faults"] < 100


def test_the_environment_variable_leaves_the_allocator_alone():
    result = _probe(CNTK_TORCH_KEEP_HOST_MEMORY="0")
    assert result["after_training"] is False
    assert result["tuned_faults"] > 10000
