"""The layer golden tests (tests/layers/test_golden.py, values from CNTK 2.7) once more with every
recurrence on the generic step loop; the default run of those tests covers the fused engines."""
import importlib.util
import os

import pytest

import cntk as C
from cntk._exec import fused
from cntk._graph.function import _executor

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "layers", "test_golden.py")
_spec = importlib.util.spec_from_file_location("layer_golden_generic", _PATH)
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)



def _has_fused_loop(case) -> bool:
    _, model, _ = golden.G.build_model(C, case)
    return any(e != "generic" for e in _executor.plan_for(model, model.outputs).loop_engines())


_RECURRENT = [k for k, c in enumerate(golden.G.CASES) if _has_fused_loop(c)]


@pytest.mark.parametrize("idx", _RECURRENT, ids=[golden.G.CASES[k]["name"] for k in _RECURRENT])
def test_layer_matches_reference_on_the_generic_loop(idx):
    with fused.generic_loops():
        golden.test_layer_matches_reference(idx)
