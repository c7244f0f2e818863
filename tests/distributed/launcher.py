"""Starting two worker processes on this machine (gloo over loopback), as torchrun or mpiexec would."""
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORKER = os.path.join(HERE, 'worker.py')
_LAUNCH_VARIABLES = ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT', 'OMPI_COMM_WORLD_RANK',
                     'OMPI_COMM_WORLD_SIZE', 'OMPI_COMM_WORLD_LOCAL_RANK', 'PMI_RANK', 'PMI_SIZE')


class Worker(object):
    """A finished worker: rank, exit code, output and when it ended."""

    def __init__(self, rank, returncode, stdout, stderr, ended):
        self.rank, self.returncode, self.stdout, self.stderr, self.ended = rank, returncode, stdout, stderr, ended


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _environment(rank, workers, port, launcher):
    env = {k: v for k, v in os.environ.items() if k not in _LAUNCH_VARIABLES}
    env.update(PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''), OMP_NUM_THREADS='1',
               CNTK_DISTRIBUTED_TIMEOUT='20', MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    if launcher == 'torchrun':
        env.update(RANK=str(rank), WORLD_SIZE=str(workers), LOCAL_RANK=str(rank))
    else:   # Open MPI's mpiexec
        env.update(OMPI_COMM_WORLD_RANK=str(rank), OMPI_COMM_WORLD_SIZE=str(workers),
                   OMPI_COMM_WORLD_LOCAL_RANK=str(rank))
    return env


def launch(phase, directory, launcher='torchrun', workers=2, timeout=240):
    """Run ``worker.py phase directory`` in ``workers`` processes; returns their `Worker` records."""
    port = _free_port()
    procs, outs = [], []
    for rank in range(workers):
        out = [open(os.path.join(str(directory), '%s_%d.%s' % (phase, rank, s)), 'w+') for s in ('out', 'err')]
        procs.append(subprocess.Popen([sys.executable, WORKER, phase, str(directory)], stdout=out[0], stderr=out[1],
                                      env=_environment(rank, workers, port, launcher), cwd=str(directory)))
        outs.append(out)
    ended = [None] * workers
    deadline = time.time() + timeout
    while None in ended and time.time() < deadline:
        for i, p in enumerate(procs):
            if ended[i] is None and p.poll() is not None:
                ended[i] = time.time()
        time.sleep(0.05)
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    records = []
    for rank, (p, out) in enumerate(zip(procs, outs)):
        texts = []
        for f in out:
            f.seek(0)
            texts.append(f.read())
            f.close()
        records.append(Worker(rank, p.returncode, texts[0], texts[1], ended[rank]))
    return records
