"""Read replicas: where a read goes, and how far each replica has replayed the primary's WAL.

Positions are WAL positions (LSNs) as integers. A read that must see everything up to a
position goes to a replica only if that replica's ``pg_last_wal_replay_lsn()`` has passed it;
otherwise to the primary. What a probe saw of a replay position stays true (replay only moves
forward), so a replica known to be far enough along is used without asking again (for a second
at most); one not yet known to be is asked at most every ``PROBE_SECONDS``. A replica that fails
to answer is skipped for ``DOWN_SECONDS``, and while it is, one request at a time asks whether
it is back (the others read on the primary without waiting for it); one lagging more than
``REPLICA_MAX_LAG`` seconds is skipped until a probe finds it caught up.

A server listed as a replica that is not in recovery is used only if it *is* the primary (the
same system identifier and the same postmaster start time as the server the default database
reaches): listing the primary itself among the replicas stays harmless. Any other (a promoted
replica, which has left the primary's history and would never see its writes again, or an
unrelated server) is reported ``promoted`` and never read from; it is asked again every
``DOWN_SECONDS``, so a rebuilt standby in its place is used once it replays.

Only reads made inside ``read_at()`` (the API's cached reads) may go to a replica: writes,
locking reads and every read of a write's transaction stay on the primary. A read that no
replica can serve yet may wait ``REPLICA_WAIT_MS`` for one to catch up before the primary reads.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from prometheus_client import Counter

from core.database import reads
from items.records import format_position

T = TypeVar("T")
PROBE_SECONDS = 0.01
WAIT_STEP_SECONDS = 0.005
DOWN_SECONDS = 1.0
# target: primary, replica, or replica_discarded (read on a replica, refused by the change log
# and read again on the primary, so also counted there).
READS = Counter("catalog_db_reads", "API reads by the database that served them", ["target"])

# Replay position, and lag: 0 when everything received is replayed, else the time since the
# last replayed commit (an upper bound of how far behind the replica is). A server that is not
# in recovery is never behind, if it is the primary: its identity says whether it is.
_IDENTITY = "(SELECT system_identifier FROM pg_control_system()), pg_postmaster_start_time()"
_PROBE = f"""
SELECT pg_is_in_recovery(),
       CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() - '0/0'::pg_lsn
            ELSE pg_current_wal_lsn() - '0/0'::pg_lsn END,
       CASE WHEN NOT pg_is_in_recovery()
                 OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END,
       {_IDENTITY}
"""
PROMOTED = "promoted"
_COMMIT_POSITION = "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn"


@dataclass
class ReplicaState:
    """What this process last learnt of one replica."""

    alias: str
    replayed: int = 0  # a replay position the replica is known to have reached
    lag: float = 0.0
    probed: float = float("-inf")  # monotonic time of the last probe
    down_until: float = 0.0
    error: str = ""
    probing: bool = False  # a request is asking it now (the others do not wait for it)

    def usable(self, now: float) -> bool:
        return now >= self.down_until and self.lag <= settings.REPLICA_MAX_LAG

    def serves(self, position: int, now: float) -> bool:
        return self.usable(now) and self.replayed >= position and now - self.probed < 1.0


_states: dict[str, ReplicaState] = {}
_states_lock = threading.Lock()
_local = threading.local()


def replica_aliases() -> list[str]:
    """The database aliases of the configured replicas (``replica_0``...)."""
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def _state(alias: str) -> ReplicaState:
    with _states_lock:
        return _states.setdefault(alias, ReplicaState(alias))


def probe(alias: str) -> ReplicaState:
    """Ask the replica where it is now; a failure marks it down for ``DOWN_SECONDS``, a server
    out of recovery that is not the primary is set aside as ``promoted`` for as long."""
    state = _state(alias)
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(_PROBE)
            in_recovery, replayed, lag, *identity = cursor.fetchone()
        if not in_recovery and tuple(identity) != _primary_identity():
            return _set_aside(alias, PROMOTED)
    except DatabaseError as error:
        return _set_aside(alias, f"down: {type(error).__name__}")
    state.replayed = max(state.replayed, int(replayed or 0))
    state.lag, state.error = float(lag or 0), ""
    state.probed, state.down_until = time.monotonic(), 0.0
    return state


def _primary_identity() -> tuple:
    """The primary's system identifier and postmaster start time."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f"SELECT {_IDENTITY}")
        return tuple(cursor.fetchone())


def _set_aside(alias: str, error: str) -> ReplicaState:
    """Skip the replica for ``DOWN_SECONDS``: it failed to answer, or is not a replica."""
    state = _state(alias)
    with contextlib.suppress(DatabaseError):
        connections[alias].close()
    state.error = error
    state.down_until = time.monotonic() + DOWN_SECONDS
    state.probed = time.monotonic()
    return state


def _mark_down(alias: str, error: Exception) -> ReplicaState:
    return _set_aside(alias, f"down: {type(error).__name__}")


def _claim_probe(state: ReplicaState, now: float) -> bool:
    """Whether this request asks the replica now: not while it is set aside, asked a moment
    ago, or being asked by another request."""
    with _states_lock:
        if state.probing or now < state.down_until or now - state.probed < PROBE_SECONDS:
            return False
        state.probing = True
        return True


def _replica_for(position: int) -> ReplicaState | None:
    aliases = replica_aliases()
    start = random.randrange(len(aliases)) if aliases else 0
    for alias in aliases[start:] + aliases[:start]:
        state, now = _state(alias), time.monotonic()
        if state.serves(position, now):
            return state
        if not _claim_probe(state, now):
            continue  # set aside, or asked a moment ago or now: not worth a wait
        try:
            if probe(alias).serves(position, time.monotonic()):
                return state
        finally:
            state.probing = False
    return None


@contextlib.contextmanager
def _reading_on(alias: str) -> Iterator[None]:
    """Send this thread's reads to ``alias``."""
    previous = getattr(_local, "alias", None)
    _local.alias = alias
    try:
        yield
    finally:
        _local.alias = previous


_FAILED = object()  # a replica failed the read (or it was not made): the primary reads


def _read_on(state: ReplicaState, read: Callable[[], T]) -> T | object:
    """``read()`` on the replica; ``_FAILED`` (and the replica skipped a while) if it fails."""
    try:
        with _reading_on(state.alias):
            return read()
    except DatabaseError as error:
        if reads.timed_out(error):  # too costly for the primary as well: not a fault
            raise
        _mark_down(state.alias, error)
        return _FAILED


def _on_primary(read: Callable[[], T]) -> T:
    READS.labels("primary").inc()
    with _reading_on(DEFAULT_DB_ALIAS):
        return read()


def _cleared(floor: int, read: Callable[[], T], clears: Callable[[int, T | None], bool]) -> object:
    """``read()`` on a replica past ``floor`` whose answer ``clears`` accepts, or ``_FAILED``."""
    state = _replica_for(floor)
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
        usable = [_state(alias) for alias in replica_aliases() if _state(alias).usable(now)]
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
    state = _replica_for(position)
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


def commit_position() -> int | None:
    """Where the primary's WAL ends now, just after a commit: a replica that has replayed this
    far sees the commit. None (and no query) without replicas."""
    if not replica_aliases():
        return None
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(_COMMIT_POSITION)
        return int(cursor.fetchone()[0])


def replica_report() -> dict[str, dict]:
    """Each replica's state, asked now: ``ok`` or ``down``/``lagging``, lag, replay position."""
    report = {}
    for alias in replica_aliases():
        state = probe(alias)
        status = state.error or ("ok" if state.lag <= settings.REPLICA_MAX_LAG else "lagging")
        report[alias] = {
            "status": status,
            "lag_seconds": round(state.lag, 3),
            "replayed": format_position(state.replayed),
        }
    return report


class PostgresReadPositions:
    """The ``ReadPositions`` capability of ``PostgresItemRepository`` (``contract``)."""

    def replicas_enabled(self) -> bool:
        return bool(replica_aliases())

    def commit_position(self) -> int | None:
        return commit_position()

    read_at = staticmethod(read_at)

    def replica_report(self) -> dict[str, dict]:
        return replica_report()


class ReplicaRouter:
    """Django's database router: reads inside ``read_at()`` may go to a replica."""

    def db_for_read(self, model: type, **hints: object) -> str:
        return getattr(_local, "alias", None) or DEFAULT_DB_ALIAS

    def db_for_write(self, model: type, **hints: object) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, first: object, second: object, **hints: object) -> bool:
        return True  # the replicas hold the primary's own rows

    def allow_migrate(self, db: str, app_label: str, **hints: object) -> bool:
        return db == DEFAULT_DB_ALIAS
