"""`cntk.debugging`: switches and printouts for debugging models."""
from typing import Any, Optional

from .debug import debug_model, set_checked_mode, set_computation_network_trace_level  # noqa: F401
from .profiler import (disable_profiler, enable_profiler, start_profiler, stop_profiler)  # noqa: F401


def force_deterministic(seed: int) -> None:
    """Fix the random seed and ask torch for deterministic kernels, so that runs repeat exactly."""
    from .. import cntk_py
    cntk_py.set_fixed_random_seed(seed)
    cntk_py.force_deterministic_algorithms()


def _describe(root: Any) -> str:
    args = ", ".join("%s: %s" % (a.name or a.uid, tuple(a.shape)) for a in root.arguments)
    outs = ", ".join("%s: %s" % (o.name or o.uid, tuple(o.shape)) for o in root.outputs)
    return "%s(%s) -> %s" % (root.name or root.uid, args, outs)


def dump_signature(root: Any, tag: Optional[str] = None) -> None:
    """Print the arguments and outputs (names and shapes) of a Function."""
    print(("%s: " % tag if tag else "") + _describe(root))


def dump_function(root: Any, tag: Optional[str] = None) -> None:
    """Print every primitive of a Function's graph, one a line, after its signature."""
    from ..logging.graph import depth_first_search
    from .._graph.function import Function
    dump_signature(root, tag)
    for f in depth_first_search(root, lambda n: isinstance(n, Function)):
        print("  %s = %s(%s)" % (", ".join(o.uid for o in f.outputs), f.op_name, ", ".join(i.uid for i in f.inputs)))


def save_as_legacy_model(root_op: Any, filename: str) -> None:
    """CNTK v1 (legacy) model files (not implemented)."""
    raise NotImplementedError("cntk.debugging.save_as_legacy_model (the CNTK v1 model format) is not "
                              "implemented in cntk-torch; use Function.save")
