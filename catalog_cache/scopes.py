"""The scopes of cached data: which callers may read an entry, named after what they may see.

An entry is stored under the scope of the viewers who see exactly what its reader saw, derived
from the one visibility rule (``items.conditions.visibility``): ``public`` for those who see
what anyone sees (the active items), ``staff`` for those who see every item, ``owner:<id>`` for
a user who also sees their own hidden items. An active item's detail is the same for everyone
who may see it, so it is stored as ``public`` whoever read it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from items.conditions import admits, visibility
from items.records import ANONYMOUS, Viewer

PUBLIC = "public"
STAFF = "staff"


@functools.lru_cache(maxsize=4096)  # asked on every cached read: a viewer's answer is fixed
def scope_of(viewer: Viewer) -> str:
    """The scope of entries only viewers who see what ``viewer`` sees may read."""
    seen = visibility(viewer)
    if seen == visibility(ANONYMOUS):
        return PUBLIC
    if not seen:
        return STAFF
    return f"owner:{viewer.user_id}"


def item_scope(viewer: Viewer, item: Mapping[str, Any]) -> str:
    """The scope to store one item's entry (``item``: its fields as served) under: public
    when anyone may see it, else its reader's."""
    return PUBLIC if admits(visibility(ANONYMOUS), item) else scope_of(viewer)


@functools.lru_cache(maxsize=4096)
def readable(kind: str, viewer: Viewer) -> tuple[str, ...]:
    """The scopes of the entries of ``kind`` ``viewer`` may read, in the order to try: one
    item's public entry first (shared by everyone), then the viewer's own."""
    own = scope_of(viewer)
    if kind == "detail" and own != PUBLIC:
        return (PUBLIC, own)
    return (own,)
