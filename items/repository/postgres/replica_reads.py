"""Reads on replicas: which one a read goes to, the change log's and the wait's ways to a
replica behind the position a read needs, and the ``ReadPositions`` capability they make.

A read that needs a position goes to a replica that has replayed past it (``replicas``); failing
that, to one that has passed only a floor, if the caller's check says nothing committed since
can alter its answer (the change log, ``catalog_cache.positions.changes``); failing that, to one
that catches up within ``REPLICA_WAIT_MS``; else to the primary. ``catalog_db_reads_total``
counts each read by where it went.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError
from prometheus_client import Counter

from core.database import reads
from items.repository.postgres.replicas import (
    ReplicaState,
    commit_position,
    mark_down,
    probe,
    reading_on,
    replica_aliases,
    replica_for,
    replica_report,
    state_of,
)

T = TypeVar("T")
WAIT_STEP_SECONDS = 0.005
# target: primary, replica, or replica_discarded (read on a replica, refused by the change log
# and read again on the primary, so also counted there).
READS = Counter("catalog_db_reads", "API reads by the database that served them", ["target"])

_FAILED = object()  # a replica failed the read (or it was not made): the primary reads


def _read_on(state: ReplicaState, read: Callable[[], T]) -> T | object:
    """``read()`` on the replica; ``_FAILED`` (and the replica skipped a while) if it fails."""
    try:
        with reading_on(state.alias):
            return read()
    except DatabaseError as error:
        if reads.timed_out(error):  # too costly for the primary as well: not a fault
            raise
        mark_down(state.alias, error)
        return _FAILED


def _on_primary(read: Callable[[], T]) -> T:
    READS.labels("primary").inc()
    with reading_on(DEFAULT_DB_ALIAS):
        return read()


def _cleared(floor: int, read: Callable[[], T], clears: Callable[[int, T | None], bool]) -> object:
    """``read()`` on a replica past ``floor`` whose answer ``clears`` accepts, or ``_FAILED``."""
    state = replica_for(floor)
    if state is None or not clears(state.replayed, None):
        return _FAILED
    replayed = state.replayed
    answer = _read_on(state, read)
    if answer is _FAILED:
        return _FAILED
    if not clears(replayed, cast(T, answer)):
        READS.labels("replica_discarded").inc()
        return _FAILED
    READS.labels("replica").inc()
    return answer


def _caught_up(position: int) -> ReplicaState | None:
    """A replica that replays past ``position`` within ``REPLICA_WAIT_MS``, asked every
    ``WAIT_STEP_SECONDS``; None at once without the setting or a replica within its lag."""
    deadline = time.monotonic() + settings.REPLICA_WAIT_MS / 1000
    while time.monotonic() < deadline:
        now = time.monotonic()
        usable = [state for state in map(state_of, replica_aliases()) if state.usable(now)]
        if not usable:
            return None
        time.sleep(min(WAIT_STEP_SECONDS, max(deadline - now, 0)))
        for state in usable:
            if probe(state.alias).serves(position, time.monotonic()):
                return state
    return None


def read_at(
    position: int | None,
    read: Callable[[], T],
    *,
    floor: int | None = None,
    clears: Callable[[int, T | None], bool] | None = None,
) -> T:
    """``read()`` on a replica that has replayed past ``position``, else on the primary (also
    when ``position`` is None, unknown). A replica that fails it (gone, or the query cancelled
    by a conflict with replay) is skipped for a while and the primary reads.

    When no replica has passed ``position``: with ``floor`` and ``clears``, one that has passed
    ``floor`` may read, if ``clears(replayed, None)`` says beforehand, and
    ``clears(replayed, answer)`` afterwards, that nothing committed past the position it has
    replayed alters the answer (an answer refused is read again on the primary, and counted as
    ``replica_discarded``); else one that reaches ``position`` within ``REPLICA_WAIT_MS``."""
    if position is None or not replica_aliases():
        return _on_primary(read)
    state = replica_for(position)
    if state is None and floor is not None and clears is not None:
        answer = _cleared(floor, read, clears)
        if answer is not _FAILED:
            return cast(T, answer)
    if state is None:
        state = _caught_up(position)
    if state is None:
        return _on_primary(read)
    READS.labels("replica").inc()
    answer = _read_on(state, read)
    return _on_primary(read) if answer is _FAILED else cast(T, answer)


class PostgresReadPositions:
    """The ``ReadPositions`` capability of ``PostgresItemRepository`` (``contract``)."""

    def replicas_enabled(self) -> bool:
        return bool(replica_aliases())

    commit_position = staticmethod(commit_position)

    read_at = staticmethod(read_at)

    replica_report = staticmethod(replica_report)
