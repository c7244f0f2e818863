"""`cntk.sequence`: the same module as `cntk.ops.sequence` (importable directly, unlike in CNTK 2.7)."""
import sys

from .ops import sequence as _sequence

sys.modules[__name__] = _sequence
