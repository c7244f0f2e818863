"""Record CNTK 2.7's losses, metrics and random ops for tests/test_losses_golden.py.

Run from the repository root with the reference interpreter:

    /opt/cntk-ref/bin/python tools/golden/make_loss_golden.py

Writes tests/golden/losses/losses.npz. Every case of `CASES` builds a function with the public
API only (the same code runs under CNTK and under this package) from named inputs; the data and
the results go under ``<case>/...``: ``in/<input>`` (arrays; ragged sequence batches as
``in/<input>/<i>``), ``value/<k>`` for evaluation k (random ops are evaluated several times), and
``grad/<input>`` for the gradient of the summed output (``Function.grad``), sequences again per
sequence. A case CNTK refuses is stored as ``error`` and the test expects the port to raise too.
"""
import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'golden', 'losses', 'losses.npz')
LENGTHS = [3, 1, 4]
GAPPY = [3, 1]           # packs into two streams of width 3: the second stream has two gap columns
rng = np.random.RandomState(7)


# --- data ---------------------------------------------------------------------------------------------------------
def seqs(dim, lengths=LENGTHS, low=0.05, high=0.95):
    return [rng.uniform(low, high, (n,) + dim).astype(np.float32) for n in lengths]


def onehot_seqs(classes, lengths=LENGTHS):
    return [np.eye(classes, dtype=np.float32)[rng.randint(0, classes, n)] for n in lengths]


def batch(n, dim, low=-2.0, high=2.0):
    return rng.uniform(low, high, (n,) + dim).astype(np.float32)


def onehot_batch(n, classes, shape=None):
    hot = np.eye(classes, dtype=np.float32)[rng.randint(0, classes, n * int(np.prod(shape or (1,))))]
    return hot.reshape((n,) + tuple(shape or ()) + (classes,))


class Case(object):
    """A function of named inputs. ``inputs``: name -> (shape, kind, data) with kind 'seq' (ragged
    sequence batch), 'batch' or 'param' (a parameter with these values); ``wrt``: inputs to
    differentiate; ``evals``: how many times to evaluate."""

    def __init__(self, name, inputs, build, wrt=(), evals=1):
        self.name, self.inputs, self.build, self.wrt, self.evals = name, inputs, build, list(wrt), evals

    def variables(self, C):
        out = {}
        for name, (shape, kind, data) in self.inputs.items():
            grad = name in self.wrt
            if kind == 'seq':
                out[name] = C.sequence.input_variable(shape, needs_gradient=grad, name=name)
            elif kind == 'batch':
                out[name] = C.input_variable(shape, needs_gradient=grad, name=name)
            else:
                out[name] = C.parameter(shape, init=data, name=name)
        return out

    def feed(self, variables):
        return {variables[n]: d for n, (s, kind, d) in self.inputs.items() if kind != 'param'}


CASES = []


def case(name, inputs, build, wrt=(), evals=1):
    CASES.append(Case(name, inputs, build, wrt, evals))


def S(dim, data):
    return (dim, 'seq', data)


def B(dim, data):
    return (dim, 'batch', data)


def P(data):
    return (data.shape, 'param', data)


# per-sample losses on a ragged sequence batch of 4-vectors
_o, _t = seqs((4,)), onehot_seqs(4)
_o[0][1] = [0.3, 0.7, 0.7, 0.1]     # a tie: classification_error takes the first maximum
_t[0][1] = [0, 0, 1, 0]
_soft = [np.abs(x) / np.abs(x).sum(-1, keepdims=True) for x in seqs((4,))]
SEQ = {'o': S((4,), _o), 't': S((4,), _t)}
SEQ_SOFT = {'o': S((4,), _o), 't': S((4,), _soft)}
case('squared_error_seq', SEQ, lambda C, v: C.squared_error(v['o'], v['t']), wrt=['o', 't'])
case('ce_seq', SEQ, lambda C, v: C.cross_entropy_with_softmax(v['o'], v['t']), wrt=['o', 't'])
case('ce_seq_soft', SEQ_SOFT, lambda C, v: C.cross_entropy_with_softmax(v['o'], v['t']), wrt=['o', 't'])
case('ce_seq_axis0', SEQ, lambda C, v: C.cross_entropy_with_softmax(v['o'], v['t'], axis=0), wrt=['o', 't'])
case('ce_seq_axis_none', SEQ, lambda C, v: C.cross_entropy_with_softmax(v['o'], v['t'], axis=None), wrt=['o', 't'])
case('bce_seq', SEQ_SOFT, lambda C, v: C.binary_cross_entropy(v['o'], v['t']), wrt=['o', 't'])
case('error_seq', SEQ, lambda C, v: C.classification_error(v['o'], v['t']), wrt=['o', 't'])
case('error_seq_soft', SEQ_SOFT, lambda C, v: C.classification_error(v['o'], v['t']), wrt=['t'])
case('error_seq_axis0', SEQ, lambda C, v: C.classification_error(v['o'], v['t'], axis=0))
case('error_seq_axis_none', SEQ, lambda C, v: C.classification_error(v['o'], v['t'], axis=None))
case('error_seq_top2', SEQ, lambda C, v: C.classification_error(v['o'], v['t'], topN=2))
case('error_seq_top3', SEQ, lambda C, v: C.classification_error(v['o'], v['t'], topN=3))
# NaN: CNTK scans for the maximum from entry 0 and moves only to a greater entry (fixed data, no draws)
_nan, _inf = np.nan, np.inf
case('error_nan', {'o': B((3,), np.array([[0.1, 0.7, 0.7], [0.2, _nan, 0.9], [_nan, _nan, _nan], [_nan, 1.0, 0.5],
                                          [-_inf, _nan, -_inf], [0.3, _nan, 0.3]], np.float32)),
                   't': B((3,), np.eye(3, dtype=np.float32)[[1, 0, 2, 0, 1, 0]])},
     lambda C, v: C.classification_error(v['o'], v['t']))
case('cosine_seq', SEQ, lambda C, v: C.cosine_distance(v['o'], v['t']), wrt=['o', 't'])
case('fmeasure_seq', SEQ_SOFT, lambda C, v: C.fmeasure(v['o'], v['t']), wrt=['o'])
case('cos_negative_seq', SEQ, lambda C, v: C.cosine_distance_with_negative_samples(v['o'], v['t'], 1, 2),
     wrt=['o', 't'])
case('cos_negative_seq_shift2', SEQ, lambda C, v: C.cosine_distance_with_negative_samples(v['o'], v['t'], 2, 3),
     wrt=['o', 't'])
case('cos_negative_batch', {'o': B((5,), batch(6, (5,))), 't': B((5,), batch(6, (5,)))},
     lambda C, v: C.cosine_distance_with_negative_samples(v['o'], v['t'], 2, 3), wrt=['o', 't'])

# rank-2 samples (CNTK's default axis multiplies target^T by output) and explicit axes
_m24, _m24b, _m34 = batch(3, (2, 4)), batch(3, (2, 4)), batch(3, (3, 4))
_h24 = onehot_batch(3, 4, (2,))
_m234, _h234 = batch(2, (2, 3, 4)), onehot_batch(2, 4, (2, 3))
M24 = {'o': B((2, 4), _m24), 't': B((2, 4), _h24)}
M24_SOFT = {'o': B((2, 4), _m24), 't': B((2, 4), np.abs(_m24b) / 3)}
for _name, _ins in (('', M24), ('_soft', M24_SOFT)):
    case('ce_m24' + _name, _ins, lambda C, v: C.cross_entropy_with_softmax(v['o'], v['t']), wrt=['o', 't'])
    case('error_m24' + _name, _ins, lambda C, v: C.classification_error(v['o'], v['t']), wrt=['o', 't'])
    for _axis in (0, 1, None):
        case('ce_m24%s_axis%s' % (_name, _axis), _ins,
             lambda C, v, a=_axis: C.cross_entropy_with_softmax(v['o'], v['t'], axis=a), wrt=['o', 't'])
        case('error_m24%s_axis%s' % (_name, _axis), _ins,
             lambda C, v, a=_axis: C.classification_error(v['o'], v['t'], axis=a))
case('ce_m34_m24', {'o': B((3, 4), _m34), 't': B((2, 4), _h24)},
     lambda C, v: C.cross_entropy_with_softmax(v['o'], v['t']), wrt=['o', 't'])
case('error_m34_m24', {'o': B((3, 4), _m34), 't': B((2, 4), _h24)},
     lambda C, v: C.classification_error(v['o'], v['t']), wrt=['t'])
case('ce_v4_m24', {'o': B((4,), batch(3, (4,))), 't': B((2, 4), _h24)},
     lambda C, v: C.cross_entropy_with_softmax(v['o'], v['t']), wrt=['o', 't'])
case('ce_m24_v4', {'o': B((2, 4), _m24), 't': B((4,), onehot_batch(3, 4))},
     lambda C, v: C.cross_entropy_with_softmax(v['o'], v['t']), wrt=['o', 't'])
case('error_m24_v4', {'o': B((2, 4), _m24), 't': B((4,), onehot_batch(3, 4))},
     lambda C, v: C.classification_error(v['o'], v['t']), wrt=['t'])
case('ce_m234_default', {'o': B((2, 3, 4), _m234), 't': B((2, 3, 4), _h234)},
     lambda C, v: C.cross_entropy_with_softmax(v['o'], v['t']))
case('error_m234_default', {'o': B((2, 3, 4), _m234), 't': B((2, 3, 4), _h234)},
     lambda C, v: C.classification_error(v['o'], v['t']))
for _axis in (1, -2, 0):
    case('ce_m234_axis%d' % _axis, {'o': B((2, 3, 4), _m234), 't': B((2, 3, 4), _h234)},
         lambda C, v, a=_axis: C.cross_entropy_with_softmax(v['o'], v['t'], axis=a), wrt=['o', 't'])
    case('error_m234_axis%d' % _axis, {'o': B((2, 3, 4), _m234), 't': B((2, 3, 4), _h234)},
         lambda C, v, a=_axis: C.classification_error(v['o'], v['t'], axis=a))
case('error_m24_top2', M24, lambda C, v: C.classification_error(v['o'], v['t'], topN=2))
case('ce_m24_seq', {'o': S((2, 4), seqs((2, 4), low=-2, high=2)), 't': S((2, 4), [np.abs(x) for x in seqs((2, 4))])},
     lambda C, v: C.cross_entropy_with_softmax(v['o'], v['t']), wrt=['o', 't'])
_p24 = np.clip(np.abs(_m24) / 2, 0.05, 0.95).astype(np.float32)
case('squared_error_m24', M24, lambda C, v: C.squared_error(v['o'], v['t']), wrt=['o', 't'])
case('bce_m24', {'o': B((2, 4), _p24), 't': B((2, 4), _h24)},
     lambda C, v: C.binary_cross_entropy(v['o'], v['t']), wrt=['o', 't'])
case('bce_edges', {'o': B((3,), np.array([[0.9, 0.2, 0.6], [0.0, 1.0, 0.5]], np.float32)),
                   't': B((3,), np.array([[1, 0, 1], [1, 0, 0]], np.float32))},
     lambda C, v: C.binary_cross_entropy(v['o'], v['t']), wrt=['o'])
case('cosine_m24', M24_SOFT, lambda C, v: C.cosine_distance(v['o'], v['t']), wrt=['o', 't'])
case('fmeasure_image', {'o': B((1, 5, 5), np.clip(batch(2, (1, 5, 5)), 0, 1)),
                        't': B((1, 5, 5), (rng.uniform(0, 1, (2, 1, 5, 5)) > 0.5).astype(np.float32))},
     lambda C, v: C.fmeasure(v['o'], v['t']), wrt=['o'])

# the logistic loss behind weighted_binary_cross_entropy: minibatch-level, gaps of ragged batches count
_p1 = rng.uniform(0.05, 0.95, (5, 1)).astype(np.float32)
_y1 = rng.uniform(0, 1, (5, 1)).astype(np.float32)
_w1 = rng.uniform(0.5, 2, (5, 1)).astype(np.float32)
case('wbce_batch', {'o': B((1,), _p1), 't': B((1,), _y1), 'w': B((1,), _w1)},
     lambda C, v: C.weighted_binary_cross_entropy(v['o'], v['t'], v['w']), wrt=['o'])
case('wbce_gaps', {'o': S((1,), seqs((1,), GAPPY)), 't': S((1,), [np.round(x) for x in seqs((1,), GAPPY)]),
                   'w': S((1,), seqs((1,), GAPPY, 0.5, 2))},
     lambda C, v: C.weighted_binary_cross_entropy(v['o'], v['t'], v['w']), wrt=['o'])


# ranking: lambda_rank (value and lambda gradient) and ndcg_at_1
def ranking(name, scores, gains, groups):
    col = lambda xs: np.array(xs, np.float32).reshape(-1, 1)  # noqa: E731
    ins = {'s': B((1,), col(scores)), 'g': B((1,), col(gains)), 'q': B((1,), col(groups))}
    case('lambda_rank_' + name, ins, lambda C, v: C.lambda_rank(v['s'], v['g'], v['q']), wrt=['s'])
    case('ndcg_' + name, ins, lambda C, v: C.ndcg_at_1(v['s'], v['g'], v['q']))


ranking('one_group', [1, 2], [7, 1], [1, 1])
ranking('two_groups', [1, 2, 3, 4, 0.5], [7, 1, 3, 1, 2], [1, 1, 2, 2, 2])
ranking('unsorted_gains', [1, 2, 3, 4, 0.5], [3, 1, 7, 1, 2], [1, 1, 2, 2, 2])
ranking('runs', [1, 2, 3, 4, 0.5], [7, 3, 1, 1, 2], [1, 2, 1, 2, 1])
ranking('score_ties', [2, 2, 2], [3, 2, 1], [1, 1, 1])
ranking('gain_ties', [1, 2, 3, 0.5, 1.5], [2, 2, 1, 3, 3], [4, 4, 4, 9, 9])
ranking('gain_ties_top', [1, 2, 3, 4], [3, 2, 2, 1], [1, 1, 1, 1])
ranking('zero_gains', [1, 2, 3], [0, 0, 0], [1, 1, 1])
ranking('mixed', [0.3, -1, 2, 0.1, 0.7, 1.5, 0.2, 0.9], [4, 3, 2, 2, 1, 0, 3, 0], [1, 1, 1, 1, 1, 1, 2, 2])

# edit distance between label sequences (per-step argmax)
_ea = [np.eye(4, dtype=np.float32)[x] for x in ([0, 3, 1, 3, 3, 2], [1, 1], [2, 3, 3, 0])]
_eb = [np.eye(4, dtype=np.float32)[x] for x in ([0, 1, 1, 1, 2, 2], [2, 1], [3, 3, 3, 3])]
ED = {'a': S((4,), _ea), 'b': S((4,), _eb)}
for _pen in ((1, 1, 1), (0, 1, 1), (2, 1, 1), (1, 2, 3)):
    for _squash, _ignore in ((False, []), (True, []), (True, [3]), (False, [3])):
        case('edit_%d%d%d_%s_%s' % (_pen + (int(_squash), len(_ignore))), ED,
             lambda C, v, p=_pen, s=_squash, i=_ignore: C.edit_distance_error(v['a'], v['b'], p[0], p[1], p[2], s, i))
case('edit_batch', {'a': B((2,), np.array([[1, 3], [2, 0]], np.float32)),
                    'b': B((2,), np.array([[2, 0], [2, 0]], np.float32))},
     lambda C, v: C.edit_distance_error(v['a'], v['b'], 0, 1, 1, True, [1]))

# random ops: CNTK's seeded streams, evaluated several times
for _dt in (np.float32, np.float64):
    _k = 'f32' if _dt == np.float32 else 'f64'
    case('uniform_' + _k, {}, lambda C, v, d=_dt: C.random.uniform((3, 5), d, low=-1, high=2, seed=98052), evals=3)
    case('normal_' + _k, {}, lambda C, v, d=_dt: C.random.normal((5001,), d, mean=0.5, scale=2, seed=17), evals=3)
    case('gumbel_' + _k, {}, lambda C, v, d=_dt: C.random.gumbel((4, 3), d, loc=1, scale=0.5, seed=5), evals=2)
    case('bernoulli_' + _k, {}, lambda C, v, d=_dt: C.random.bernoulli((40,), d, mean=0.3, seed=98052), evals=2)
_like = {'x': S((2,), seqs((2,), GAPPY))}
case('uniform_like_gaps', _like, lambda C, v: C.random.uniform_like(v['x'], seed=3), evals=2)
case('normal_like_gaps', _like, lambda C, v: C.random.normal_like(v['x'], seed=4), evals=2)
case('bernoulli_like_seq', {'x': S((3,), seqs((3,)))},
     lambda C, v: C.random.bernoulli_like(v['x'], 0.4, seed=9), evals=2)
case('gumbel_like_batch', {'x': B((2, 2), batch(3, (2, 2)))},
     lambda C, v: C.random.gumbel_like(v['x'], seed=8), evals=2)
_weights = np.array([1, 3, 0, 5, 1, 2, 0.5, 4], np.float32)
_eye8 = np.eye(8, dtype=np.float32)
case('random_sample_dup', {}, lambda C, v: C.times(C.random_sample(_weights, 6, True, seed=11), _eye8), evals=3)
case('random_sample_nodup', {}, lambda C, v: C.times(C.random_sample(_weights, 5, False, seed=12), _eye8), evals=3)
case('inclusion_dup', {}, lambda C, v: C.random_sample_inclusion_frequency(_weights, 6, True, seed=13))
case('inclusion_nodup', {}, lambda C, v: C.random_sample_inclusion_frequency(_weights, 5, False, seed=13), evals=2)

# noise contrastive estimation with fixed parameters (the drawn classes are CNTK's)
_nce_w, _nce_b = batch(12, (5,), -0.5, 0.5), batch(12, (1,), -0.5, 0.5)
_nce_q = np.arange(12, dtype=np.float32) + 1
for _dup in (True, False):
    case('nce_dup%d' % _dup,
         {'x': B((5,), batch(3, (5,))), 'y': B((12,), onehot_batch(3, 12)), 'W': P(_nce_w), 'b': P(_nce_b)},
         lambda C, v, d=_dup: C.nce_loss(v['W'], v['b'], v['x'], v['y'], _nce_q, num_samples=6, allow_duplicates=d,
                                         seed=98052), wrt=['x', 'W', 'b'], evals=2)


# hierarchical softmax with the parameters set to fixed values after construction
def h_softmax(C, v):
    z, classes, everything = C.hierarchical_softmax_layer(v['x'], v['label'], 5, 2)
    for p in z.parameters + classes.parameters:
        p.value = H_SOFTMAX_PARAMS[p.name]
    return C.combine([z, classes] + list(everything))


H_SOFTMAX_PARAMS = {'hsoftmax_w1': batch(3, (2,)), 'hsoftmax_b1': batch(1, (2,))[0],
                    'hsoftmax_w2s': batch(2, (3, 3)), 'hsoftmax_b2s': batch(2, (3,))}
case('h_softmax', {'x': B((3,), batch(4, (3,))), 'label': B((1,), np.array([[0], [2], [3], [4]], np.float32))},
     h_softmax)


# --- recording ----------------------------------------------------------------------------------------------------
def store_value(out, key, value):
    if isinstance(value, (list, tuple)):
        out[key + '/n'] = np.array(len(value))
        for i, x in enumerate(value):
            out['%s/%d' % (key, i)] = np.asarray(x)
    else:
        out[key] = np.asarray(value)


def outputs_of(f, result):
    """The evaluation result of every output of ``f`` (several outputs: in order)."""
    if len(f.outputs) == 1:
        return [result]
    return [result[o] for o in f.outputs]


def record(C, c):
    out = {}
    for name, (shape, kind, data) in c.inputs.items():
        store_value(out, 'in/' + name, data)
    results = {}
    try:
        v = c.variables(C)
        f = c.build(C, v)
        feed = c.feed(v)
        for k in range(c.evals):
            for j, value in enumerate(outputs_of(f, f.eval(feed))):
                store_value(results, 'value/%d/%d' % (k, j), value)
        if c.wrt:  # on a fresh instance: CNTK restarts random streams when a network first computes gradients
            v = c.variables(C)
            f, feed = c.build(C, v), c.feed(v)
            grads = f.grad(feed, wrt=[v[n] for n in c.wrt])
            grads = grads if isinstance(grads, dict) else {v[c.wrt[0]]: grads}
            for n in c.wrt:
                store_value(results, 'grad/' + n, grads[v[n]])
    except Exception as e:  # CNTK refuses the case: the port must refuse it too
        results = {'error': np.array(str(e).split('\n')[0])}
    out.update(results)
    return out


def main():
    import cntk as C
    data = {}
    for c in CASES:
        for key, value in record(C, c).items():
            data['%s/%s' % (c.name, key)] = value
    np.savez_compressed(OUT, **data)
    print('wrote %d cases to %s' % (len(CASES), OUT))


if __name__ == '__main__':
    sys.exit(main())
