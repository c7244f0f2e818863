"""Keeping the uids of loaded graphs unique: objects created later must not reuse a loaded uid."""
from __future__ import annotations

import itertools
import re

from .._graph import variable as _variable

_NUMBERED = re.compile(r"^([A-Za-z_:]+?)(\d+)$")


def reserve_uid(uid: str) -> None:
    """Advance the uid counter of ``uid``'s prefix (``Parameter`` for ``Parameter12``) past its number."""
    m = _NUMBERED.match(uid)
    if not m:
        return
    prefix, number = m.group(1), int(m.group(2))
    counters = _variable._uid_counters
    counter = counters.get(prefix)
    nxt = next(counter) if counter is not None else 0
    counters[prefix] = itertools.count(max(nxt, number + 1))
