"""Runs the example scripts that the documentation pages include (docs/examples/*.py), so the code a
reader sees on the site is code that works, and checks what each prints."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / 'docs' / 'examples'


def run_example(name: str) -> str:
    """Run docs/examples/NAME in a fresh interpreter and return its standard output."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(EXAMPLES / name)], cwd=str(ROOT), env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _line(out: str, prefix: str) -> str:
    lines = [line for line in out.splitlines() if line.startswith(prefix)]
    assert lines, 'no line starting with %r in:\n%s' % (prefix, out)
    return lines[0]


def _before_after(out: str) -> List[float]:
    found = re.search(r'before ([0-9.]+), after ([0-9.]+)', out)
    assert found, out
    return [float(found.group(1)), float(found.group(2))]


def test_every_example_is_tested() -> None:
    tested = {"fold_sequence_to_value.py", "unfold_value_to_sequence.py", "recurrence_sequence_to_sequence.py",
              "timeseries_helpers.py"}
    assert {p.name for p in EXAMPLES.glob('*.py')} == tested


def test_fold_sequence_to_value() -> None:
    out = run_example('fold_sequence_to_value.py')
    assert _line(out, 'sums of two ragged sequences:').endswith('[6.0, 30.0]')
    assert "dynamic axes: ['defaultBatchAxis']" in out          # the fold removed the sequence axis
    before, after = _before_after(out)
    assert after < 0.25 * before


def test_recurrence_sequence_to_sequence() -> None:
    out = run_example('recurrence_sequence_to_sequence.py')
    assert _line(out, 'running sums:').endswith('[[1.0, 3.0, 6.0, 10.0], [5.0, 11.0]]')
    assert _line(out, 'from the end:').endswith('[[10.0, 9.0, 7.0, 4.0], [11.0, 6.0]]')
    assert _line(out, 'output lengths follow the inputs:').endswith('[4, 2]')
    before, after = _before_after(out)
    assert after < 0.5 * before


def test_unfold_value_to_sequence() -> None:
    out = run_example('unfold_value_to_sequence.py')
    assert _line(out, '3 and 2 steps:').endswith('[[4.0, 2.0, 1.0], [50.0, 25.0]]')
    assert _line(out, '6 and 4 steps:').endswith('[[4.0, 2.0, 1.0, 0.5, 0.25, 0.125], [50.0, 25.0, 12.5, 6.25]]')
    assert _line(out, 'until below 10:').endswith('[[4.0], [50.0, 25.0, 12.5, 6.25]]')
    assert _line(out, 'decoded lengths:') == 'decoded lengths: [4, 10] - step shape: (2,)'


def test_timeseries_helpers() -> None:
    out = run_example('timeseries_helpers.py')
    assert _line(out, 'windows:') == 'windows: 276 of shape (24, 1) - train/val/test: [220, 28, 28]'
    errors = re.search(r'test MAE ([0-9.]+), RMSE ([0-9.]+), sMAPE ([0-9.]+)%, MASE ([0-9.]+)', out)
    assert errors, out
    mae, rmse, _, _ = map(float, errors.groups())
    assert 0 < mae <= rmse < 1.5          # the series swings by +-3 around 10-13: a trained model is well inside
    assert _line(out, 'keep training').endswith('[True, True, True, False]')


@pytest.mark.parametrize('page, scripts', [
    ('three-uses.md', ['fold_sequence_to_value.py', 'unfold_value_to_sequence.py',
                       'recurrence_sequence_to_sequence.py']),
    ('timeseries.md', ['timeseries_helpers.py']),
])
def test_pages_include_the_examples(page: str, scripts: List[str]) -> None:
    text = (ROOT / 'docs' / page).read_text()
    for script in scripts:
        assert '--8<-- "docs/examples/%s"' % script in text
