"""The process-wide seed counter behind parameter initialisation, dropout and random ops: each
asks for a seed when it is created, in CNTK's order, and draws from its own stream (`rng`)."""
from __future__ import annotations

_DEFAULT_SEED = 0


class _RandomState:
    def __init__(self) -> None:
        self.reseed(_DEFAULT_SEED)

    def reseed(self, seed: int, fixed: bool = False) -> None:
        self.seed = int(seed)
        self.fixed = fixed
        self.next = self.seed

    def next_seed(self) -> int:
        """A seed for an op that asked for an automatically chosen one: as in CNTK, the seed itself
        after `set_fixed_random_seed`, else the seed, seed + 1, ... in order of asking."""
        if self.fixed:
            return self.seed
        drawn = self.next
        self.next += 1
        return drawn


random_state = _RandomState()


def set_fixed_random_seed(seed: int) -> None:
    """Make parameter initialisation reproducible from ``seed`` and give every op that picks its
    own seed (dropout, random ops) this same one."""
    random_state.reseed(seed, fixed=True)


def reset_random_seed(seed: int) -> None:
    """Restart the random streams from ``seed``; ops that pick their own seed get seed, seed + 1, ..."""
    random_state.reseed(seed)


def get_random_seed() -> int:
    """The seed the random streams were last started from."""
    return random_state.seed
