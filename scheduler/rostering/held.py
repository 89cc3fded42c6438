"""Values derived from an immutable object, computed once while that object lives.

The local search asks some rules per candidate move for facts that depend only on the week's config or the
re-plan (the published days, what later weeks can pay): each such rule keeps them in its own cache keyed by the
owner's identity. The owner is held beside the value, so a new object that reuses a freed one's ``id`` never
reads the old value; a cache past its size is emptied, not grown.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


def held_for(cache: dict[tuple[int, Hashable], tuple[object, T]], owner: object, key: Hashable,
             compute: Callable[[], T], limit: int) -> T:
    """``compute()``, once per ``owner`` (by identity) and ``key``; ``cache`` holds at most about ``limit``."""
    held = cache.get((id(owner), key))
    if held is not None and held[0] is owner:
        return held[1]
    value = compute()
    if len(cache) > limit:
        cache.clear()
    cache[id(owner), key] = (owner, value)
    return value
