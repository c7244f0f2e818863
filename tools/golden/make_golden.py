"""Record forward values and gradients of the op cases (tools/golden/op_cases.py) from the real CNTK 2.7.

Run from the repository root with the reference interpreter:

    /opt/cntk-ref/bin/python tools/golden/make_golden.py [case-name-substring ...]

Writes tests/golden/ops/<case>.npz. Layout of an .npz (shared with tests/test_ops_golden.py, see
`pack`): every output k is stored under ``out_<k>`` -- a dense array, or for an output with a
sequence axis ``out_<k>_n`` (number of sequences) and ``out_<k>_seq_<i>``; the random root gradient
fed to ``backward`` for output k under ``rg_<k>`` (same layout); the gradient for each name in
``wrt`` under ``grad_<name>`` (same layout), and ``Function.grad``'s (root gradient all ones) under
``gsum_<name>`` for single-output cases. ``nout`` is the number of outputs; ``error`` holds a
message when CNTK refused the case (the test then expects the port to raise too).
"""
import os
import sys
import traceback
import warnings
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import op_cases  # noqa: E402
from npz_layout import pack  # noqa: E402,F401  (re-exported for the tests)

OUT_DIR = os.path.join('tests', 'golden', 'ops')


def root_gradient(value, seed):
    """A deterministic random root gradient shaped like an output value."""
    r = np.random.RandomState(seed)
    if isinstance(value, (list, tuple)):
        return [r.uniform(-1, 1, np.shape(v)).astype(np.asarray(v).dtype) for v in value]
    v = np.asarray(value)
    return r.uniform(-1, 1, v.shape).astype(v.dtype)


def find_vars(f, names):
    pool = list(f.arguments) + list(f.parameters) + list(f.constants)
    out = []
    for n in names:
        hits = [v for v in pool if v.name == n]
        if not hits:
            raise KeyError('case has no argument/parameter named %r' % n)
        out.append(hits[0])
    return out


def run_case(C, name, build):
    spec = build(C, np)
    f = spec['function']
    args = dict(zip(find_vars(f, list(spec['inputs'])), spec['inputs'].values()))
    store = {}
    outs = f.outputs
    store['nout'] = np.array(len(outs))
    if spec.get('call'):
        ordered = [args[a] for a in f.arguments]
        res = f(*ordered)
        res = res if isinstance(res, tuple) else (res,)
        for k, v in enumerate(res):
            pack(store, 'out_%d' % k, v)
        return store
    wrt = spec.get('wrt') or []
    if not wrt:
        res = f.eval(args)
        values = [res[o] for o in outs] if len(outs) > 1 else [res]
        for k, v in enumerate(values):
            pack(store, 'out_%d' % k, v)
        return store
    state, res = f.forward(args, outs, keep_for_backward=set(outs))
    roots = {}
    for k, o in enumerate(outs):
        pack(store, 'out_%d' % k, res[o])
        rg = root_gradient(res[o], zlib.crc32(('%s/%d' % (name, k)).encode()) & 0x7fffffff)
        pack(store, 'rg_%d' % k, rg)
        roots[o] = rg
    wrt_vars = find_vars(f, wrt)
    grads = f.backward(state, roots, set(wrt_vars))
    for n, v in zip(wrt, wrt_vars):
        pack(store, 'grad_' + n, grads[v])
    if len(outs) == 1 and spec.get('grad_sum', True):  # Function.grad: the gradient of the summed output (root gradient all ones)
        g = f.grad(args, wrt=wrt_vars)
        g = g if isinstance(g, dict) else {wrt_vars[0]: g}
        for n, v in zip(wrt, wrt_vars):
            pack(store, 'gsum_' + n, g[v])
    return store


def main(filters):
    import cntk as C
    warnings.filterwarnings('ignore')
    if not os.path.isdir(OUT_DIR):
        os.makedirs(OUT_DIR)
    failed = []
    for name, build in op_cases.CASES.items():
        if filters and not any(s in name for s in filters):
            continue
        try:
            store = run_case(C, name, build)
        except Exception as err:  # CNTK refused: record the message, the test expects an error too
            msg = '%s: %s' % (type(err).__name__, str(err).strip().splitlines()[0] if str(err).strip() else '')
            store = {'error': np.array(msg)}
            failed.append((name, msg))
            traceback.print_exc(limit=1)
        np.savez_compressed(os.path.join(OUT_DIR, name + '.npz'), **store)
    print('wrote %d cases to %s' % (len([n for n in op_cases.CASES if not filters or any(s in n for s in filters)]),
                                   OUT_DIR))
    for name, msg in failed:
        print('CNTK ERROR %s: %s' % (name, msg))


if __name__ == '__main__':
    main(sys.argv[1:])
