"""Shared helpers of the learner tests: golden files, parameters, gradients."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List

import numpy as np
import torch

import cntk._learners as L
from cntk._graph.variable import Parameter

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'golden', 'learners')


def load(name: str) -> Dict[str, Any]:
    with open(os.path.join(GOLDEN_DIR, name)) as f:
        return json.load(f)


def namespace(params: List[Parameter]) -> Dict[str, Any]:
    """The names a golden configuration string may use (those of cntk.learners, plus P)."""
    ns = {k: getattr(L, k) for k in dir(L) if not k.startswith('_')}
    ns['P'] = params
    return ns


def make_params(values: List[Any], dtype=np.float32) -> List[Parameter]:
    return [Parameter(np.shape(v), init=np.asarray(v, dtype=dtype), dtype=dtype, name='p%d' % (i + 1))
            for i, v in enumerate(values)]


def assert_close(actual: np.ndarray, expected: Any, what: str, rtol: float = 1e-6, atol: float = 1e-6) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64),
                               rtol=rtol, atol=atol, err_msg=what)
