"""Conversions between Python-order axis permutations and CNTK's stored (reversed) order."""
from typing import Any, List


def sanitize_permutation(perm: Any) -> List[int]:
    """The permutation expressed on reversed (column-major) axes, as CNTK's engine stores it."""
    n = len(perm)
    positive = [p + n if p < 0 else p for p in perm]
    if sorted(positive) != list(range(n)):
        raise ValueError("%r is not a permutation of %d axes" % (list(perm), n))
    return [n - 1 - positive[n - 1 - i] for i in range(n)]
