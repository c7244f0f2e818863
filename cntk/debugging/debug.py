"""Debugging switches of `cntk.debugging`; the interactive model debugger is not implemented."""
from typing import Any

_STATE = {"checked_mode": False, "trace_level": 0}


def set_checked_mode(enable: bool) -> None:
    """Turn CNTK's checked mode (extra validation while computing) on or off; the engine here
    always validates shapes, so this records the setting (see `get_checked_mode`)."""
    _STATE["checked_mode"] = bool(enable)


def get_checked_mode() -> bool:
    """The setting of `set_checked_mode`."""
    return _STATE["checked_mode"]


def set_computation_network_trace_level(level: int) -> None:
    """Verbosity of CNTK's network tracing (0 = none); recorded, see `get_computation_network_trace_level`."""
    _STATE["trace_level"] = int(level)


def get_computation_network_trace_level() -> int:
    """The setting of `set_computation_network_trace_level`."""
    return _STATE["trace_level"]


def debug_model(model: Any, in_stream: Any = None, out_stream: Any = None, exit_func: Any = None) -> Any:
    """CNTK's interactive command-line model debugger (not implemented)."""
    raise NotImplementedError("cntk.debugging.debug_model (the interactive model debugger) is not implemented in cntk-torch")


class _DebugNode:
    """The debugger's per-node user function (not implemented)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("cntk.debugging.debug._DebugNode (the interactive model debugger) is not "
                                  "implemented in cntk-torch")
