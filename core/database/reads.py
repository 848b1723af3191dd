"""A statement timeout on the API's reads, costing no statement and no round trip of its own.

A read the API serves is bounded (``bounded``): each statement it sends while the connection
is outside a transaction goes out as ``SET LOCAL statement_timeout = <ms>; <statement>`` in
the one simple-protocol message Django's client-side binding cursors send anyway. PostgreSQL
runs a message of several statements as one implicit transaction, so the setting holds for
that statement alone and is gone after it: nothing is left on the connection for the pool's
next borrower, and PgBouncer in transaction mode (which forbids a session ``SET``, and start-up
``options``) keeps the message on one server connection. A statement inside a transaction (a
write's) is left alone, as is any statement outside a bounded read.

A statement cancelled at its timeout raises ``ReadTimedOut`` (a ``QueryCanceled``, so Django
wraps it in ``OperationalError`` as it would the original), which the API answers with 503 and
``Retry-After``, and which a read replica does not pass on to the primary.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.postgresql.base import Cursor
from psycopg import errors
from psycopg.pq import TransactionStatus

_limit: contextvars.ContextVar[int | None] = contextvars.ContextVar("read_limit", default=None)


class ReadTimedOut(errors.QueryCanceled):
    """A bounded read's statement ran past its timeout and was cancelled."""


@contextmanager
def bounded(milliseconds: int) -> Iterator[None]:
    """Statements sent in this context outside a transaction stop after ``milliseconds``
    (0: no bound)."""
    token = _limit.set(milliseconds if milliseconds > 0 else None)
    try:
        yield
    finally:
        _limit.reset(token)


def timed_out(error: BaseException) -> bool:
    """Whether ``error`` (Django's or psycopg's) is a bounded read's timeout."""
    return isinstance(error, ReadTimedOut) or isinstance(error.__cause__, ReadTimedOut)


class ReadBoundCursor(Cursor):
    """Django's client-side binding cursor, bounding statements sent in a ``bounded`` read."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> ReadBoundCursor:
        limit = _limit.get()
        if (
            limit is None
            or not isinstance(query, str)
            or self.connection.info.transaction_status != TransactionStatus.IDLE
        ):
            return super().execute(query, params, **kwargs)
        started = time.monotonic()
        try:
            super().execute(f"SET LOCAL statement_timeout = {limit}; {query}", params, **kwargs)
        except errors.QueryCanceled as error:
            if (time.monotonic() - started) * 1000 < limit:
                raise  # cancelled for another reason (a replica's conflict with replay)
            raise ReadTimedOut(f"canceled after its {limit} ms statement timeout") from error
        self.nextset()  # the statement's own result, after the SET's
        return self
