"""cntk.random and the sampling ops: the generator itself, stream behaviour, distributions and errors.
(Values equal to CNTK 2.7's draw for draw are checked in tests/test_losses_golden.py.)"""
import numpy as np
import pytest

import cntk as C
from cntk._graph import rng
from cntk._exec.kernels.columns import packed_placement


def test_mersenne_twister_64_matches_the_cpp_standard():
    # [rand.predef]: the 10000th draw of a default-constructed std::mt19937_64 is 9981545732273789042
    assert int(rng.Mt64Stream(5489).take(10000)[-1]) == 9981545732273789042


def test_stream_gives_back_unused_draws_in_order():
    a, b = rng.Mt64Stream(3), rng.Mt64Stream(3)
    first = a.take(5)
    a.unread(first[2:])
    np.testing.assert_array_equal(np.concatenate([first[:2], a.take(700)]), b.take(702))


def test_documented_cntk_values():
    np.testing.assert_allclose(C.random.uniform((2, 3), seed=98052).eval(),
                               [[0.931785, 0.814722, 0.479606], [0.937468, 0.004351, 0.185131]], atol=1e-6)
    np.testing.assert_allclose(C.random.normal((2, 3), seed=98052).eval()[1], [-1.736721, 0.005615, -0.340025],
                               atol=1e-6)


@pytest.mark.parametrize("make", [lambda n: C.random.uniform((n,), seed=98052),
                                  lambda n: C.random.normal((n,), np.float64, 0.5, 2, seed=98052),
                                  lambda n: C.random.gumbel((n,), seed=98052),
                                  lambda n: C.random.bernoulli((n,), mean=0.3, seed=98052)])
def test_evaluations_continue_the_stream(make):
    once, twice = make(256), make(512)
    a, b = once.eval(), once.eval()
    np.testing.assert_array_equal(np.concatenate([a, b]), twice.eval())


def test_odd_normal_counts_use_up_an_even_number_of_draws():
    odd, even = C.random.normal((7,), seed=5), C.random.normal((16,), seed=5)
    a, b = odd.eval(), odd.eval()
    ref = even.eval()
    np.testing.assert_array_equal(a, ref[:7])
    np.testing.assert_array_equal(b, ref[8:15])


def test_seeds():
    same = [C.random.uniform((4,), seed=1).eval() for _ in range(2)]
    np.testing.assert_array_equal(same[0], same[1])
    assert not np.allclose(same[0], C.random.uniform((4,), seed=2).eval())
    C.cntk_py.reset_random_seed(7)  # ops then seed themselves 7, 8, ... (CNTK's order)
    first = C.random.uniform((4,)).eval()
    assert not np.allclose(first, C.random.uniform((4,)).eval())
    C.cntk_py.reset_random_seed(7)
    np.testing.assert_array_equal(first, C.random.uniform((4,)).eval())
    C.cntk_py.set_fixed_random_seed(7)  # every op seeds itself 7: the same draws
    np.testing.assert_array_equal(first, C.random.uniform((4,)).eval())
    np.testing.assert_array_equal(first, C.random.uniform((4,)).eval())
    C.cntk_py.reset_random_seed(0)


@pytest.mark.parametrize("op, args, mean, var", [
    (C.random.uniform, (0.5, 2.0), 1.25, 1.5 ** 2 / 12),
    (C.random.normal, (0.5, 2.0), 0.5, 4.0),
    (C.random.gumbel, (0.5, 2.0), 0.5 + 2.0 * np.euler_gamma, (np.pi * 2.0) ** 2 / 6),
    (C.random.bernoulli, (0.3,), 0.3, 0.21),
])
def test_moments(op, args, mean, var):
    value = op((200, 10, 10), np.float64, *args, seed=11).eval()
    bound = 10 / np.sqrt(value.size)
    assert abs(value.mean() - mean) < bound
    assert abs(value.var() - var) < bound * var


def test_like_ops_follow_the_operand_and_fill_cntk_columns():
    x = C.sequence.input_variable((2,))
    data = [np.zeros((3, 2), np.float32), np.zeros((1, 2), np.float32)]
    seqs = C.random.uniform_like(x, seed=3).eval({x: data})
    assert [s.shape for s in seqs] == [(3, 2), (1, 2)]
    # two streams of width 3: columns are (seq 0, step 0), (seq 1, step 0), (seq 0, step 1), gap, (seq 0, step 2), gap
    flat = C.random.uniform((6, 2), seed=3).eval()
    np.testing.assert_array_equal(seqs[0], flat[[0, 2, 4]])
    np.testing.assert_array_equal(seqs[1], flat[[1]])
    y = C.input_variable((2, 2), dtype=np.float64)
    out = C.random.normal_like(y, seed=4).eval({y: np.zeros((3, 2, 2))})
    assert out.shape == (3, 2, 2) and out.dtype == np.float64


def test_packed_placement_is_first_fit_in_order():
    assert packed_placement([3, 1, 2]) == (2, 3, [(0, 0), (1, 0), (1, 1)])
    assert packed_placement([2, 2, 1, 3]) == (3, 3, [(0, 0), (1, 0), (0, 2), (2, 0)])
    assert packed_placement([4]) == (1, 4, [(0, 0)])


def _sampled(weights, count, duplicates, seed=5, evals=1):
    f = C.times(C.random_sample(np.asarray(weights, np.float32), count, duplicates, seed=seed),
                np.eye(len(weights), dtype=np.float32))
    return [f.eval() for _ in range(evals)]


def test_random_sample_rows_are_one_hot_and_follow_the_weights():
    weights = [1.0, 3.0, 0.0, 6.0]
    draws = np.concatenate(_sampled(weights, 500, True, evals=8))
    assert draws.shape == (4000, 4) and (draws.sum(axis=1) == 1).all()
    np.testing.assert_allclose(draws.mean(axis=0), np.array(weights) / 10, atol=0.02)
    assert draws[:, 2].sum() == 0


def test_random_sample_without_duplicates():
    for rows in _sampled([1.0, 3.0, 50.0, 1.0, 0.0], 4, False, evals=5):
        np.testing.assert_array_equal(rows.sum(axis=0), [1, 1, 1, 1, 0])


@pytest.mark.parametrize("weights, count, duplicates", [([1.0, -1.0], 1, True), ([1.0, 2.0, 3.0], 3, False),
                                                        ([1.0, 2.0], 0, True)])
def test_random_sample_errors(weights, count, duplicates):
    with pytest.raises(ValueError):
        C.random_sample(np.asarray(weights, np.float32), count, duplicates).eval()


def test_inclusion_frequency():
    w = np.arange(1, 11, dtype=np.float32)
    np.testing.assert_allclose(C.random_sample_inclusion_frequency(w, 5, True).eval(), w / w.sum() * 5, rtol=1e-6)
    f = C.random_sample_inclusion_frequency(w, 5, False, seed=2)
    est = f.eval()
    assert (np.diff(est) > 0).all() and (est > 0).all() and (est < 1).all()
    np.testing.assert_array_equal(f.eval(), est)   # kept while the weights do not change


def test_sampling_without_duplicates_needs_enough_classes_with_weight():
    with pytest.raises(ValueError, match="only 2 have a positive sampling weight"):
        C.random_sample(np.array([1.0, 0.0, 2.0, 0.0], np.float32), 3, False).eval()
