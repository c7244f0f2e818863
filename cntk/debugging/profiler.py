"""CNTK's profiler switches (not implemented: use torch.profiler)."""
from typing import Any


def _absent(name: str) -> None:
    raise NotImplementedError("cntk.debugging.%s (CNTK's profiler) is not implemented in cntk-torch; "
                              "use torch.profiler" % name)


def start_profiler(dir: str = "profiler", sync_gpu: bool = True, reserve_mem: Any = None) -> None:
    """Start CNTK's profiler (not implemented)."""
    _absent("start_profiler")


def stop_profiler() -> None:
    """Stop CNTK's profiler (not implemented)."""
    _absent("stop_profiler")


def enable_profiler() -> None:
    """Resume CNTK's profiler (not implemented)."""
    _absent("enable_profiler")


def disable_profiler() -> None:
    """Pause CNTK's profiler (not implemented)."""
    _absent("disable_profiler")
