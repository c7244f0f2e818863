"""Record the training scenarios of tests/train/train_scenarios.py under CNTK 2.7.

Run with the reference: ``/opt/cntk-ref/bin/python tools/golden/make_train_golden.py``. Writes
tests/golden/train/<scenario>.json holding what the scenario printed and the numbers it returned.
"""
import io
import json
import os
import shutil
import sys
import tempfile
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'train'))

import cntk as C  # noqa: E402
import train_scenarios  # noqa: E402

OUT = os.path.join(ROOT, 'tests', 'golden', 'train')


def to_json(value):
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    return value


def record(scenario):
    scratch = tempfile.mkdtemp()
    captured = io.StringIO()
    stdout = sys.stdout
    sys.stdout = captured
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            results = scenario(C, scratch)
    finally:
        sys.stdout = stdout
        shutil.rmtree(scratch)
    return {'stdout': captured.getvalue(), 'results': to_json(results)}


def main():
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])
    for scenario in train_scenarios.SCENARIOS:
        if only and scenario.__name__ not in only:
            continue
        data = record(scenario)
        with open(os.path.join(OUT, scenario.__name__ + '.json'), 'w') as f:
            json.dump(data, f, indent=1, sort_keys=True)
        print('wrote', scenario.__name__, len(data['stdout'].splitlines()), 'lines')


if __name__ == '__main__':
    main()
