"""Faults under load, against real processes: the scaling tests' primary, a streaming replica of
it that replays at once, PgBouncer for the last, and gunicorn serving a write+read load
(tests/support/faults.py). Whatever breaks, no read is stale, no acknowledged write is lost,
and no request gets a 500.

- The replica stopped, then started: reads leave it within a second, come back once it has
  caught up.
- Its replay paused past ``REPLICA_MAX_LAG``: reads leave it (``lagging``), come back after
  ``pg_wal_replay_resume()``.
- PgBouncer restarted (down for longer than a request waits for a connection): the requests
  caught by it get 503 with ``Retry-After``, then all succeed.
- The replica promoted (a primary of its own now, taking other writes): reported ``promoted``,
  never read from again. The primary itself listed as a replica is still used.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator

import pytest

from tests.scaling.test_replicas import METRICS, reads_by_target
from tests.support.faults import SETUP, FaultLoad
from tests.support.pgbouncer import PgBouncer, pgbouncer_binary
from tests.support.replica import streaming_replica
from tests.support.served import Gunicorn, exchange, request
from tests.support.stress import UNTHROTTLED

pytestmark = pytest.mark.django_db
SLACK = 0.5  # a busy machine's scheduling, on top of what the router promises
OUTAGE = 3.0  # PgBouncer's time down: past DB_POOL_TIMEOUT (2 s), so writes caught fail


@pytest.fixture
def replica(primary):
    """A streaming replica of the primary that replays at once, for this test alone."""
    with streaming_replica(0, primary.server) as standby:
        yield standby


def _served(scratch, replica_url: str, **extra: str) -> tuple[dict, str, str]:
    """(server env, staff token, item id) on a migrated scratch database."""
    scratch.manage("migrate", "--noinput")
    token, item_id = scratch.manage("shell", "--no-imports", "-c", SETUP).stdout.split()
    env = {
        **scratch.env,
        "DATABASE_REPLICA_URLS": replica_url,
        "REPLICA_MAX_LAG": "1",
        "METRICS_TOKEN": "metrics-secret",
        **UNTHROTTLED,
        **extra,
    }
    return env, token, item_id


@contextlib.contextmanager
def _under_load(
    env: dict, token: str, item_id: str, reads: int = 5
) -> Iterator[tuple[Gunicorn, FaultLoad]]:
    """gunicorn serving ``env`` under the write+read load, ``reads`` of which have reached the
    replica already; the load and the server stopped at the end of the block."""
    server = Gunicorn(env)
    load = None
    try:
        load = FaultLoad(server.port, token, item_id).start()
        _using_replica(server.port, reads)
        yield server, load
    finally:
        if load is not None:
            load.stop()
        server.stop()


def _wait(condition, timeout: float = 30, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} never held"
        time.sleep(0.1)


def _replica_reads(port: int) -> float:
    return reads_by_target(port)["replica"]


def _using_replica(port: int, reads: int = 5) -> None:
    """Until the server has sent ``reads`` more reads to the replica."""
    start = _replica_reads(port)
    _wait(lambda: _replica_reads(port) >= start + reads, what="reads on the replica")


def _no_replica_reads(port: int, seconds: float = 1.5) -> None:
    before = _replica_reads(port)
    time.sleep(seconds)
    assert _replica_reads(port) == before, "reads still went to the replica"


def _clean(load: FaultLoad, scratch) -> None:
    print(f"\n{load.summary()}")
    assert load.stale == []
    assert load.lost_writes(scratch) == []
    assert len(load.acknowledged) > 20


def test_replica_stopped_then_started_reads_move_to_the_primary_and_back(scratch, replica):
    env, token, item_id = _served(scratch, replica.url(scratch.name))
    replica.wait_for(scratch.name)
    with _under_load(env, token, item_id) as (server, load):
        stopped = time.monotonic()
        replica.stop()
        time.sleep(1.0 + SLACK)  # within a second, every read is the primary's
        _no_replica_reads(server.port)
        restarted = time.monotonic()
        replica.start()
        _using_replica(server.port)  # back, once caught up
    slowest = load.slowest_read(stopped, restarted)
    print(f"\nslowest read while the replica was down: {slowest * 1000:.0f} ms")
    assert load.server_errors() == []
    assert slowest < 1.0 + SLACK
    _clean(load, scratch)


def test_replica_replay_paused_past_max_lag_is_left_then_used_again(scratch, replica):
    env, token, item_id = _served(scratch, replica.url(scratch.name))
    replica.wait_for(scratch.name)
    with _under_load(env, token, item_id) as (server, load):
        replica.query("postgres", "SELECT pg_wal_replay_pause()")
        time.sleep(1.0 + SLACK)  # REPLICA_MAX_LAG is 1 s: the writes go on
        _, ready = request(server.port, "GET", "/ready/")
        _no_replica_reads(server.port)
        replica.query("postgres", "SELECT pg_wal_replay_resume()")
        _using_replica(server.port)
    assert ready["status"] == "degraded"
    assert ready["replicas"]["replica_0"]["status"] == "lagging"
    assert load.server_errors() == []
    _clean(load, scratch)


def test_pgbouncer_restarted_under_load_fails_cleanly_then_recovers(scratch, primary, replica):
    pgbouncer_binary()  # skips, naming the package, when it is absent
    name = scratch.name
    bouncer = PgBouncer(
        [name], pool_size=4, server=primary.server, elsewhere={f"{name}_r": (replica.server, name)}
    )
    bouncer.start()
    env, token, item_id = _served(
        scratch,
        bouncer.url(f"{name}_r"),
        DATABASE_URL=bouncer.url(name),
        DB_PGBOUNCER="true",
    )
    replica.wait_for(name)
    try:
        with _under_load(env, token, item_id) as (_, load):
            bouncer.kill()
            time.sleep(OUTAGE)  # longer than a request waits for a connection: some must fail
            bouncer.start()
            restarted = time.monotonic()
            _wait(lambda: load.statuses(since=time.monotonic() - 1)[200] > 20, what="recovery")
            recovered = time.monotonic()
            time.sleep(2.0)
    finally:
        bouncer.stop()
    errors = load.server_errors()
    print(f"\n{len(errors)} requests failed; recovered {recovered - restarted:.1f} s after")
    assert any(e.kind == "write" for e in errors), "no write failed: the test saw no fault"
    assert {(e.status, e.retry_after) for e in errors} == {(503, "5")}
    assert set(load.statuses(since=recovered)) == {200}
    _clean(load, scratch)


# The promoted server takes writes of its own (as after a failover to it): its WAL runs ahead of
# the primary's, so an old probe, which trusted any server out of recovery, found it "caught up".
DIVERGE = "CREATE TABLE diverged AS SELECT n, repeat('x', 200) FROM generate_series(1, 50000) n"


def test_promoted_replica_is_reported_and_never_read_from(scratch, replica):
    env, token, item_id = _served(scratch, replica.url(scratch.name))
    replica.wait_for(scratch.name)
    with _under_load(env, token, item_id) as (server, load):
        replica.query("postgres", "SELECT pg_promote()")  # waits until promoted
        replica.query(scratch.name, DIVERGE)
        time.sleep(1.0 + SLACK)  # what the server knew of it as a replica is too old now
        _no_replica_reads(server.port, seconds=3)
        _, ready = request(server.port, "GET", "/ready/")
        _, _, metrics = exchange(server.port, "GET", "/metrics", headers=METRICS)
    assert ready["status"] == "degraded"
    assert ready["replicas"]["replica_0"]["status"] == "promoted"
    assert re.search(r'^catalog_replica_up\{replica="replica_0"\} 0$', metrics.decode(), re.M)
    assert load.server_errors() == []
    _clean(load, scratch)


def test_the_primary_listed_as_a_replica_is_still_used(scratch):
    env, token, item_id = _served(scratch, scratch.url)
    with _under_load(env, token, item_id, reads=20) as (server, load):
        _wait(lambda: len(load.acknowledged) > 20, what="20 writes")
        _, ready = request(server.port, "GET", "/ready/")
    assert ready["status"] == "ready" and ready["replicas"]["replica_0"]["status"] == "ok"
    assert load.server_errors() == []
    _clean(load, scratch)
