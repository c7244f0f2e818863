"""Training scenarios (tests/train/train_scenarios.py) against what CNTK 2.7 printed and computed
(tests/golden/train/*.json, written by tools/golden/make_train_golden.py).

The printed text must match character for character, except the elapsed time and speed of
"Finished Epoch" lines and the last printed digit of a number where float32 rounding differs
(each printed number within 1e-5 relative or one unit of its last digit); returned numbers match
to 1e-5 relative.
"""
import io
import json
import os
import re
import sys
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest

import cntk as C

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import train_scenarios  # noqa: E402

GOLDEN = os.path.join(os.path.dirname(HERE), 'golden', 'train')
_TIMING = re.compile(r' \d+\.\d{3}s \( *[\d.]+ samples/s\);')


def mask_timing(text: str) -> str:
    """The printed text with the times and speeds of epoch summaries blanked out."""
    return _TIMING.sub(' <time>;', text)


_NUMBER = re.compile(r'-?\d+\.\d+(?:e[-+]\d+)?|-?\d+(?:e[-+]\d+)?')


def assert_text_matches(ours: str, theirs: str, rtol: float = 1e-5) -> None:
    """Same text around the numbers; each number equal within ``rtol`` or one unit of its last digit."""
    ours, theirs = mask_timing(ours), mask_timing(theirs)
    assert _NUMBER.sub('#', ours) == _NUMBER.sub('#', theirs)
    for a, b in zip(_NUMBER.findall(ours), _NUMBER.findall(theirs)):
        unit = 10.0 ** -len(b.split('.')[1].split('e')[0]) if '.' in b else 0.0
        if 'e' in b:
            unit *= 10.0 ** int(b.split('e')[1])
        assert abs(float(a) - float(b)) <= max(rtol * abs(float(b)), unit * 1.01), \
            'printed %s, CNTK printed %s' % (a, b)


def assert_numbers_close(ours, theirs, path='results', rtol=1e-5, atol=1e-6):
    """Recursive comparison of JSON-like results (floats within tolerance, the rest equal)."""
    if isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs), path
        for k in theirs:
            assert_numbers_close(ours[k], theirs[k], '%s.%s' % (path, k), rtol, atol)
    elif isinstance(theirs, list) and theirs and isinstance(theirs[0], (list, dict, str, bool)):
        assert len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_numbers_close(a, b, '%s[%d]' % (path, i), rtol, atol)
    elif isinstance(theirs, (list, float)):
        np.testing.assert_allclose(np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64),
                                   rtol=rtol, atol=atol, err_msg=path)
    else:
        assert ours == theirs, '%s: %r != %r' % (path, ours, theirs)


def to_plain(value):
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    return value


@pytest.mark.parametrize('scenario', train_scenarios.SCENARIOS, ids=lambda s: s.__name__)
def test_scenario_matches_cntk(scenario, tmp_path):
    with open(os.path.join(GOLDEN, scenario.__name__ + '.json')) as f:
        golden = json.load(f)
    out = io.StringIO()
    with redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        results = to_plain(scenario(C, str(tmp_path)))
    assert_text_matches(out.getvalue(), golden['stdout'])
    assert_numbers_close(results, golden['results'])
