"""`cntk.cntk_py`: the few low-level switches that tutorials call directly."""
import torch

from ._graph.random_state import get_random_seed, reset_random_seed, set_fixed_random_seed
from ._io.unsupported import MinibatchSourceConfig, to_dictionary  # noqa: F401
from ._logging.writer import ProgressWriter  # noqa: F401  (CNTK code subclasses cntk_py.ProgressWriter)


def force_deterministic_algorithms() -> None:
    """Ask torch for deterministic kernels (as CNTK's switch did for its own)."""
    torch.use_deterministic_algorithms(True, warn_only=True)


def disable_forward_values_sharing() -> None:
    """Accepted for compatibility; memory sharing is torch's business here."""

