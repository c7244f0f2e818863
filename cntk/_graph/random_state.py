"""The process-wide random state behind parameter initialisation and dropout masks."""
from __future__ import annotations

import numpy as np
import torch

_DEFAULT_SEED = 0


class _RandomState:
    def __init__(self) -> None:
        self.reseed(_DEFAULT_SEED)

    def reseed(self, seed: int) -> None:
        self.seed = int(seed)
        self.numpy = np.random.RandomState(self.seed % (2 ** 32))
        self.torch = torch.Generator()
        self.torch.manual_seed(self.seed)
        self.offset = 0

    def next_seed(self) -> int:
        """A fresh seed for an op that asked for an automatically chosen one."""
        self.offset += 1
        return (self.seed * 1000003 + self.offset) % (2 ** 31)


random_state = _RandomState()


def set_fixed_random_seed(seed: int) -> None:
    """Make parameter initialisation and dropout reproducible from ``seed``."""
    random_state.reseed(seed)


def reset_random_seed(seed: int) -> None:
    """Restart the random streams from ``seed`` (same as `set_fixed_random_seed`)."""
    random_state.reseed(seed)


def get_random_seed() -> int:
    """The seed the random streams were last started from."""
    return random_state.seed
