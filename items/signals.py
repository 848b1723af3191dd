"""``item_changed``: the one signal every committed change to items ends in.

It is sent after the transaction commits and never for one that rolls back. This module only
declares it: the PostgreSQL backend's ORM receivers (``items.repository.postgres.receivers``)
feed it for ORM saves and deletes, ``loaddata``'s raw saves included; the repositories call
``announce_item_change`` for writes the ORM does not report (``update()``, bulk inserts, Mongo).
Receivers use it for cache invalidation only (``catalog_cache.responses.invalidation``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

# kwargs: item_ids (frozenset of UUID; empty means "possibly any item"), source (str), fields
# (frozenset of the record fields the change may have altered; None: any of them, as a new or
# deleted item alters all)
item_changed = Signal()
SENDER = "items.Item"  # what every item_changed names as its sender, whichever backend


def announce_item_change(
    *,
    item_ids: Iterable[uuid.UUID] = (),
    source: str,
    fields: Iterable[str] | None = None,
    using: str = "default",
    durable: bool = False,
) -> None:
    """Send ``item_changed`` once the current transaction commits; drop it on rollback.

    ``fields``: the record fields the change may have altered, when the writer knows them (an
    update of some fields); left out, any field may have changed.

    ``durable`` writes were committed elsewhere (MongoDB): no PostgreSQL rollback can undo
    them, so the signal goes at once.
    """
    ids = frozenset(item_ids)
    altered = frozenset(fields) if fields is not None else None

    def send() -> None:
        item_changed.send(sender=SENDER, item_ids=ids, source=source, fields=altered)

    if durable:
        send()
    else:
        transaction.on_commit(send, using=using)
