"""`cntk.layers.sequence`: layers that loop over sequences (and, for convenience, the sequence
ops of `cntk.sequence`, e.g. ``cntk.layers.sequence.last``)."""
from ..ops.sequence import *  # noqa: F401,F403
from ..ops.sequence import broadcast_as, first, future_value, gather, is_first, is_last, last, past_value, \
    reduce_max, reduce_sum, scatter, slice, softmax, unpack, where  # noqa: F401
from .._layers.recurrence import Delay, Fold, PastValueWindow, Recurrence, RecurrenceFrom, UnfoldFrom
