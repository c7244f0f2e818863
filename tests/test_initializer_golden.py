"""Initial parameter values equal CNTK 2.7's: the same streams per seed, the same seeds in the same
order (golden data from tools/golden/make_init_golden.py run under CNTK 2.7)."""
import json
import os
import sys

import numpy as np
import pytest

import cntk as C

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = json.load(open(os.path.join(HERE, "golden", "initializer_golden.json")))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools", "golden"))
from make_init_golden import automatic_seeds  # noqa: E402  (the same code that ran under CNTK)


@pytest.mark.parametrize("name", sorted(GOLDEN["cases"]))
def test_initializer_draws_cntks_values(name):
    case = GOLDEN["cases"][name]
    value = C.parameter(tuple(case["shape"]), init=eval(case["init"])).value
    np.testing.assert_allclose(value, case["value"], rtol=1e-6, atol=1e-7)


def test_automatic_seeds_follow_cntks_order():
    got = automatic_seeds(C)
    expected = GOLDEN["automatic"]
    assert got["dropout_seed"] == expected["dropout_seed"]
    np.testing.assert_allclose(got["first"], expected["first"], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got["dense_W"], expected["dense_W"], rtol=1e-6, atol=1e-7)
    C.cntk_py.reset_random_seed(0)
