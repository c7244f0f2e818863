"""`cntk.cntk_py`: the few low-level switches that tutorials call directly."""
import torch

from ._graph.random_state import get_random_seed, reset_random_seed, set_fixed_random_seed
from ._io.config import MinibatchSourceConfig, create_composite_minibatch_source, to_dictionary  # noqa: F401

DataType_Unknown, DataType_Float, DataType_Double, DataType_Float16 = 0, 1, 2, 4
"""CNTK's element-type enum (`Variable.get_data_type`; accepted wherever a dtype is)."""
DeviceKind_CPU, DeviceKind_GPU = 0, 1
"""CNTK's device-kind codes (equal to `cntk.device.DeviceKind`)."""
from ._logging.writer import ProgressWriter  # noqa: F401  (CNTK code subclasses cntk_py.ProgressWriter)


def allow_renaming_functions() -> None:
    """From now on a Function that has a name may be renamed (CNTK refuses by default)."""
    from ._graph.function import renaming
    renaming.allowed = True


def force_deterministic_algorithms() -> None:
    """Ask torch for deterministic kernels (as CNTK's switch did for its own)."""
    torch.use_deterministic_algorithms(True, warn_only=True)


def disable_forward_values_sharing() -> None:
    """Accepted for compatibility; memory sharing is torch's business here."""



def always_allow_setting_default_device() -> None:
    """From now on `use_default_device` no longer freezes the default device, so that
    `try_set_default_device` may change it later (CNTK's test-suite switch); lifts a freeze already in place."""
    from .device import _DEFAULT
    _DEFAULT.always_allow = True
    _DEFAULT.frozen = False
from ._core.value import Value, Value as NDArrayView  # noqa: F401,E402  (the core data classes)
