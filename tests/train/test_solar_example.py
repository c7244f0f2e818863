"""The README's main job (examples/solar_lstm.py): its data preparation on the bundled data set and
a short end-to-end run of the seed program."""
import os
import subprocess
import sys

import numpy as np
import pytest

import cntk as C
from cntk.datasets import solar_csv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, 'examples', 'solar_lstm.py')


def test_bundled_solar_data_groups_into_days_across_utc_offsets():
    pd = pytest.importorskip('pandas')
    raw = pd.read_csv(solar_csv())
    assert raw.shape == (25369, 3)
    assert raw['time'].str.endswith('-07:00').any()  # daylight-saving stamps carry an offset
    days, totals, labels = C.io.daily_sequences(solar_csv(), value_columns=['solar.total'], target='max',
                                                min_length=8)
    assert len(set(labels)) == len(labels)
    assert str(labels[0]) == '2013-12-01'
    first = raw[raw['time'].str.startswith('2013-12-01')]
    np.testing.assert_allclose(days[0][:, 0], first['solar.total'].to_numpy(np.float32))
    assert totals[0, 0] == pytest.approx(first['solar.total'].max())


def test_seed_program_runs_end_to_end(tmp_path):
    pytest.importorskip('pandas')
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    out = subprocess.run([sys.executable, EXAMPLE, '--epochs', '1', '--data-dir', str(tmp_path),
                          '--plot', str(tmp_path / 'plot.png'), '--max-samples', '300'],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert "{'train': 10780, 'val': 1347, 'test': 1347}" in lines[0]
    assert lines[1:4] == [' average      since    average      since      examples',
                          '    loss       last     metric       last              ',
                          ' ------------------------------------------------------']
    assert lines[4] == 'Learning rate per minibatch: 0.005'
    assert any(line.startswith('Finished Evaluation [1]: Minibatch[1-') for line in lines)
    assert any(line.startswith('test MSE (normalised)') for line in lines)
