"""What one minibatch contributes to training: samples, loss and metric sums, sweep end."""
from __future__ import annotations

from typing import NamedTuple, Optional

import torch


class MinibatchTotals(NamedTuple):
    """A minibatch's sample count, loss and metric sums (0-d tensors) and end-of-sweep flag.

    A distributed learner replaces a worker's own totals by those of all workers together.
    """

    loss: torch.Tensor
    metric: Optional[torch.Tensor]
    count: int
    sweep_end: bool

    @staticmethod
    def empty(loss_dtype: torch.dtype, with_metric: bool) -> "MinibatchTotals":
        """The totals of a worker whose share of the minibatch is empty."""
        zero = torch.zeros((), dtype=loss_dtype)
        return MinibatchTotals(zero, zero.clone() if with_metric else None, 0, False)
