"""Record what CNTK 2.7 reads from the CTF fixtures under tests/data/io.

Run with the reference interpreter (Python 3.6):

    /opt/cntk-ref/bin/python tools/golden/make_io_golden.py

Writes tests/golden/io/{grammar,schedules,writer,from_data}.json. Error cases are slow in the
reference (it retries five times), so a full run takes about a minute.
"""
import gc
import json
import os
import sys
import tempfile

import numpy as np
import scipy.sparse as sp
import cntk as C
from cntk.io import (MinibatchSource, MinibatchSourceFromData, CTFDeserializer, StreamDef, StreamDefs,
                     INFINITELY_REPEAT, sequence_to_cntk_text_format)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
DATA = os.path.join(ROOT, 'tests', 'data', 'io')
OUT = os.path.join(ROOT, 'tests', 'golden', 'io')


def mask_of(v):
    try:
        return np.asarray(v.data.mask).astype(int).tolist()
    except Exception:
        return None


def seqs_of(v, dim, sparse):
    try:
        if sparse:
            var = C.sequence.input_variable(dim, is_sparse=True)
            return [np.asarray(s.toarray()).tolist() for s in v.as_sequences(var)]
        return [np.asarray(s).tolist() for s in v.as_sequences()]
    except Exception:
        return None


def record(mb, dims):
    if not mb:
        return None
    row = {}
    for si, v in mb.items():
        name = si.m_name
        dim, sparse = dims[name]
        row[name] = {'num_samples': int(v.num_samples), 'num_sequences': int(v.num_sequences),
                     'end_of_sweep': bool(v.end_of_sweep), 'shape': list(v.shape), 'is_sparse': bool(v.is_sparse),
                     'mask': mask_of(v), 'sequences': seqs_of(v, dim, sparse)}
    return row


def make_source(path, streams, **kw):
    sd = StreamDefs(**{k: StreamDef(field=f, shape=d, is_sparse=s, defines_mb_size=(len(x) > 3 and x[3]))
                       for k, x in streams.items() for (f, d, s) in [x[:3]]})
    return MinibatchSource(CTFDeserializer(path, sd), **kw)


def run(src, sizes, dims, **kw):
    out = []
    for k in sizes:
        mb = src.next_minibatch(k, **kw)
        out.append(record(mb, dims))
        del mb
        gc.collect()
    return out


def grammar():
    cases = json.load(open(os.path.join(DATA, 'grammar_cases.json')))
    result = {}
    tmp = tempfile.mkdtemp()
    for tag, text, streams in cases:
        path = os.path.join(tmp, tag + '.ctf')
        with open(path, 'w', newline='') as f:
            f.write(text)
        dims = {k: (v[1], v[2]) for k, v in streams.items()}
        try:
            src = make_source(path, streams, randomize=False, max_sweeps=1)
            mbs = []
            while True:
                mb = src.next_minibatch(1000)
                if not mb:
                    break
                mbs.append(record(mb, dims))
                del mb
            result[tag] = {'ok': True, 'minibatches': mbs}
        except Exception as e:
            result[tag] = {'ok': False, 'error': str(e).split('\n')[0][:200]}
        print('grammar', tag, result[tag]['ok'])
    return result


T1 = {'A': ['a', 2, False], 'B': ['b', 5, True]}
T1D = {'A': (2, False), 'B': (5, True)}
ATIS = {'query': ['S0', 943, True], 'intent': ['S1', 26, True], 'slots': ['S2', 129, True]}
ATISD = {'query': (943, True), 'intent': (26, True), 'slots': (129, True)}


def p(name):
    return os.path.join(DATA, name)


def schedules():
    out = {}
    t1 = p('t1.ctf')
    out['t1_k3'] = run(make_source(t1, T1, randomize=False, max_sweeps=1), [3] * 5, T1D)
    out['t1_k1'] = run(make_source(t1, T1, randomize=False, max_sweeps=1), [1] * 5, T1D)
    out['t1_k100_2sweeps'] = run(make_source(t1, T1, randomize=False, max_sweeps=2), [100] * 3, T1D)
    out['t1_k7_infinite'] = run(make_source(t1, T1, randomize=False, max_sweeps=INFINITELY_REPEAT), [7] * 5, T1D)
    out['t1_max_samples5_k2'] = run(make_source(t1, T1, randomize=False, max_samples=5), [2] * 4, T1D)
    out['t1_max_samples4_k2'] = run(make_source(t1, T1, randomize=False, max_samples=4), [2] * 4, T1D)
    out['t1_max_samples12_k5'] = run(make_source(t1, T1, randomize=False, max_samples=12), [5] * 5, T1D)
    out['t1_varying_k'] = run(make_source(t1, T1, randomize=False, max_sweeps=3), [2, 6, 1, 9, 4, 3, 100, 5], T1D)
    b_def = {'A': ['a', 2, False], 'B': ['b', 5, True, True]}
    out['t1_defines_mb_size_B_k2'] = run(make_source(t1, b_def, randomize=False, max_sweeps=1), [2] * 4, T1D)
    for n in (2, 3):
        for k in (100, 4, 5, 3):
            for i in range(n):
                out['t1_partition_n%d_k%d_p%d' % (n, k, i)] = run(
                    make_source(t1, T1, randomize=False, max_sweeps=1), [k] * 5, T1D,
                    num_data_partitions=n, partition_index=i)
    # checkpoints
    src = make_source(t1, T1, randomize=False)
    chk = []
    for k in [3, 7, 2, 5]:
        st = src.get_checkpoint_state()
        chk.append({'state': dict(st), 'mb': record(src.next_minibatch(k), T1D)})
    st = src.get_checkpoint_state()
    a = record(src.next_minibatch(4), T1D)
    src.restore_from_checkpoint(st)
    b = record(src.next_minibatch(4), T1D)
    out['t1_checkpoints'] = {'steps': chk, 'final_state': dict(st), 'after': a, 'after_restore': b,
                             'current_position': dict(src.current_position)}
    # frame mode and truncation
    xy = {'X': ['x', 1, False], 'Y': ['y', 1, False]}
    xyd = {'X': (1, False), 'Y': (1, False)}
    out['fr_frame_mode_k4'] = run(make_source(p('fr.ctf'), xy, randomize=False, max_sweeps=1, frame_mode=True), [4] * 4, xyd)
    try:
        run(make_source(p('eq.ctf'), xy, randomize=False, max_sweeps=1, frame_mode=True), [4], xyd)
        out['eq_frame_mode_error'] = False
    except Exception:
        out['eq_frame_mode_error'] = True
    for k, T in [(4, 2), (6, 2), (3, 3), (2, 1)]:
        out['eq_truncation_k%d_T%d' % (k, T)] = run(
            make_source(p('eq.ctf'), xy, randomize=False, max_sweeps=1, truncation_length=T), [k] * 10, xyd)
    # several deserializers joined by sequence id
    for a_name, b_name in [('d1.ctf', 'd2.ctf'), ('d1.ctf', 'd3.ctf')]:
        src = MinibatchSource([CTFDeserializer(p(a_name), StreamDefs(X=StreamDef(field='x', shape=1))),
                               CTFDeserializer(p(b_name), StreamDefs(Y=StreamDef(field='y', shape=1)))],
                              randomize=False, max_sweeps=1)
        out['join_%s_%s' % (a_name[:2], b_name[:2])] = run(src, [100, 100], xyd)
    # ATIS subset: boundaries over two sweeps, partitions, randomized totals
    atis = p('atis_small.ctf')
    src = make_source(atis, ATIS, randomize=False, max_sweeps=2)
    rows = []
    while True:
        mb = src.next_minibatch(70)
        if not mb:
            break
        r = {}
        for si, v in mb.items():
            r[si.m_name] = [int(v.num_samples), int(v.num_sequences), bool(v.end_of_sweep)]
        if len(rows) < 3:
            var = C.sequence.input_variable(943, is_sparse=True)
            r['query_words'] = [np.asarray(s.argmax(axis=1)).ravel().tolist() for s in mb[src.streams.query].as_sequences(var)]
        rows.append(r)
        del mb
        gc.collect()
    out['atis_k70_2sweeps'] = rows
    for n in (2, 3):
        for i in range(n):
            src = make_source(atis, ATIS, randomize=False, max_sweeps=1)
            rows = []
            while True:
                mb = src.next_minibatch(70, num_data_partitions=n, partition_index=i)
                if not mb:
                    break
                rows.append({si.m_name: [int(v.num_samples), int(v.num_sequences), bool(v.end_of_sweep)]
                             for si, v in mb.items()})
                del mb
            out['atis_partition_n%d_p%d' % (n, i)] = rows
    for seed in (0, 7):
        src = make_source(atis, ATIS, randomize=True, randomization_seed=seed, max_sweeps=2)
        rows = []
        while True:
            mb = src.next_minibatch(70)
            if not mb:
                break
            rows.append({si.m_name: [int(v.num_samples), int(v.num_sequences), bool(v.end_of_sweep)]
                         for si, v in mb.items()})
            del mb
        out['atis_randomized_seed%d' % seed] = rows
    src = make_source(atis, ATIS, randomize=False, max_samples=1000)
    out['atis_max_samples1000_k70'] = [r and {k: [v['num_samples'], v['num_sequences'], v['end_of_sweep']]
                                              for k, v in r.items()} for r in run(src, [70] * 20, ATISD)]
    return out


def writer():
    cases = []
    def add(tag, idx, m):
        cases.append({'tag': tag, 'seq_idx': idx, 'text': sequence_to_cntk_text_format(idx, m),
                      'input': {k: {'dtype': str(v.dtype), 'data': v.tolist()} for k, v in m.items()}})
    add('two_streams', 7, {'x': np.array([[1, 2], [3, 4]], np.float32), 'y': np.array([[0, 1, 0]], np.float32)})
    add('float32_formatting', 0, {'x': np.array([[0.1, 1e-8, 123456789.0, -2.5, 1.0 / 3, 1e16, 65504.0]], np.float32)})
    add('float64_formatting', 0, {'x': np.array([[0.1, 1e-8, 123456789.0, -2.5, 1.0 / 3, 1e16, 1e-5]], np.float64)})
    add('ints', 3, {'b': np.array([[1], [2], [3]]), 'a': np.array([[4, 5]])})
    add('scalars_1d', 1, {'x': np.array([1.5, 2.5, 3.5], np.float32)})
    add('sorted_aliases', 2, {'zeta': np.array([[1.0]], np.float32), 'alpha': np.array([[2.0], [3.0]], np.float32)})
    sparse = sequence_to_cntk_text_format(4, {'s': [{2: 1.0, 0: 0.5}, {1: 2.0}], 'x': np.array([[1.0]], np.float32)})
    return {'cases': cases, 'sparse_dicts': sparse}


def from_data():
    out = {}
    X = np.arange(10, dtype=np.float32).reshape(5, 2)
    Y = np.arange(5, dtype=np.float32).reshape(5, 1)
    s = MinibatchSourceFromData(dict(x=X, y=Y))
    rows = []
    for k in [2, 4, 1, 3, 10]:
        mb = s.next_minibatch(k)
        rows.append({si.name: [int(v.num_samples), int(v.num_sequences), bool(v.end_of_sweep),
                               np.asarray(v.data.asarray()).tolist()] for si, v in mb.items()})
    out['dense_samples'] = rows
    out['dense_samples_checkpoint'] = dict(s.get_checkpoint_state())
    s = MinibatchSourceFromData(dict(x=X, y=Y), max_samples=7)
    rows = []
    for k in [3, 3, 3, 3]:
        mb = s.next_minibatch(k)
        rows.append(mb and {si.name: [int(v.num_samples), int(v.num_sequences), bool(v.end_of_sweep)] for si, v in mb.items()})
    out['max_samples7'] = rows
    from cntk.layers.typing import Sequence, tensor
    seqs = [np.arange(n * 2, dtype=np.float32).reshape(n, 2) for n in (3, 1, 2, 4)]
    s = MinibatchSourceFromData(dict(xx=(seqs, Sequence[tensor])))
    rows = []
    for k in [4, 4, 4, 5]:
        mb = s.next_minibatch(k)
        rows.append({si.name: [int(v.num_samples), int(v.num_sequences), bool(v.end_of_sweep)] for si, v in mb.items()})
    out['sequences'] = rows
    return out


def main():
    if not os.path.isdir(OUT):
        os.makedirs(OUT)
    for name, fn in [('writer', writer), ('from_data', from_data), ('schedules', schedules), ('grammar', grammar)]:
        data = fn()
        with open(os.path.join(OUT, name + '.json'), 'w') as f:
            json.dump(data, f, indent=0, sort_keys=True)
        print('wrote', name)


if __name__ == '__main__':
    main()
