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

Only reads made inside ``replica_reads.read_at()`` (the API's cached reads) may go to a replica:
writes, locking reads and every read of a write's transaction stay on the primary.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from items.records import format_position

PROBE_SECONDS = 0.01
DOWN_SECONDS = 1.0

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


def state_of(alias: str) -> ReplicaState:
    with _states_lock:
        return _states.setdefault(alias, ReplicaState(alias))


def probe(alias: str) -> ReplicaState:
    """Ask the replica where it is now; a failure marks it down for ``DOWN_SECONDS``, a server
    out of recovery that is not the primary is set aside as ``promoted`` for as long."""
    state = state_of(alias)
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
    state = state_of(alias)
    with contextlib.suppress(DatabaseError):
        connections[alias].close()
    state.error = error
    state.down_until = time.monotonic() + DOWN_SECONDS
    state.probed = time.monotonic()
    return state


def mark_down(alias: str, error: Exception) -> ReplicaState:
    return _set_aside(alias, f"down: {type(error).__name__}")


def _claim_probe(state: ReplicaState, now: float) -> bool:
    """Whether this request asks the replica now: not while it is set aside, asked a moment
    ago, or being asked by another request."""
    with _states_lock:
        if state.probing or now < state.down_until or now - state.probed < PROBE_SECONDS:
            return False
        state.probing = True
        return True


def replica_for(position: int) -> ReplicaState | None:
    aliases = replica_aliases()
    start = random.randrange(len(aliases)) if aliases else 0
    for alias in aliases[start:] + aliases[:start]:
        state, now = state_of(alias), time.monotonic()
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
def reading_on(alias: str) -> Iterator[None]:
    """Send this thread's reads to ``alias``."""
    previous = getattr(_local, "alias", None)
    _local.alias = alias
    try:
        yield
    finally:
        _local.alias = previous


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


class ReplicaRouter:
    """Django's database router: reads inside ``reading_on()`` (``replica_reads.read_at``) may
    go to a replica."""

    def db_for_read(self, model: type, **hints: object) -> str:
        return getattr(_local, "alias", None) or DEFAULT_DB_ALIAS

    def db_for_write(self, model: type, **hints: object) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, first: object, second: object, **hints: object) -> bool:
        return True  # the replicas hold the primary's own rows

    def allow_migrate(self, db: str, app_label: str, **hints: object) -> bool:
        return db == DEFAULT_DB_ALIAS
