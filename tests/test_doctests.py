"""Runs the ``>>>`` examples in the docstrings of the modules listed below (doctests in CI).

The examples run with the names a CNTK user has at hand: ``C`` (``import cntk as C``), ``np`` and the
layer factories of ``cntk.layers`` (``Dense``, ``Recurrence``, ``LSTM``, ...), besides the module's own
globals. Each listed module must hold at least one example, so the list cannot silently go empty.
"""
from __future__ import annotations

import doctest
import importlib
import time
from typing import Any, Dict

import numpy as np
import pytest

import cntk as C
import cntk.layers

MODULES = [
    'cntk.core',
    'cntk.datasets',
    'cntk.io',
    'cntk.ops.sequence',
    'cntk._io.ctf_writer',
    'cntk._io.timeseries',
    'cntk._layers.cells',
    'cntk._layers.composition',
    'cntk._layers.core_layers',
    'cntk._layers.recurrence',
    'cntk._logging.graph_search',
    'cntk._logging.printer',
    'cntk._timeseries.data',
    'cntk._timeseries.early_stopping',
    'cntk._timeseries.metrics',
    'cntk._timeseries.normalizer',
    'cntk._train.schedules',
]

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _globals() -> Dict[str, Any]:
    names = {name: getattr(cntk.layers, name) for name in dir(cntk.layers) if not name.startswith('_')}
    names.update(C=C, np=np)
    return names


@pytest.mark.parametrize('module_name', MODULES)
def test_docstring_examples(module_name: str) -> None:
    module = importlib.import_module(module_name)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, module_name, extraglobs=_globals())
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list = []
    start = time.perf_counter()
    for test in sorted(tests, key=lambda t: t.name):
        C.cntk_py.set_fixed_random_seed(1)
        runner.run(test, out=report.append)
    seconds = time.perf_counter() - start
    results = runner.summarize(verbose=False)
    assert results.attempted > 0, '%s has no docstring examples any more' % module_name
    assert results.failed == 0, ''.join(report)
    assert seconds < 1.0 * results.attempted + 5, 'docstring examples of %s took %.1f s' % (module_name, seconds)
