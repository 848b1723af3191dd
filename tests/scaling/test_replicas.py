"""Read replicas, against a real streaming replica that lags (tests/support/replica.py).

No read is older than a write that has returned, a caller always sees its own writes, a fill
from a replica never stores data older than the invalidation it follows, and a replica that is
down or lags past ``REPLICA_MAX_LAG`` is skipped; ``/ready/`` and ``/metrics`` report it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import pytest

from tests.support.served import Gunicorn, exchange, request
from tests.support.stress import UNTHROTTLED, run_stress

pytestmark = pytest.mark.django_db

SETUP = (
    "from rest_framework.authtoken.models import Token; from items.models import User, Item; "
    "u = User.objects.create(username='writer', is_staff=True); "
    "i = Item.objects.create(name='Compteur', price='1.00', category='autre'); "
    "print(Token.objects.create(user=u).key, i.pk)"
)
METRICS = {"Authorization": "Bearer metrics-secret"}


@pytest.fixture
def replicated(scratch, lagging_replica):
    """(server env, staff token, an item's path) on a scratch database the replica has."""
    scratch.manage("migrate", "--noinput")
    token, item_id = scratch.manage("shell", "--no-imports", "-c", SETUP).stdout.split()
    lagging_replica.wait_for(scratch.name)
    env = {
        **scratch.env,
        "DATABASE_REPLICA_URLS": lagging_replica.url(scratch.name),
        "REPLICA_MAX_LAG": "30",
        "METRICS_TOKEN": "metrics-secret",
        **UNTHROTTLED,
    }
    return env, token, f"/api/items/{item_id}/"


def reads_by_target(port: int) -> dict[str, float]:
    """``catalog_db_reads_total`` of the server, by target (primary, replica)."""
    status, _, body = exchange(port, "GET", "/metrics", headers=METRICS)
    assert status == 200
    found = re.findall(r'^catalog_db_reads_total\{target="(\w+)"\} (\S+)$', body.decode(), re.M)
    return {"primary": 0.0, "replica": 0.0} | {name: float(value) for name, value in found}


def price(port: int, path: str, headers: dict | None = None) -> str:
    status, body = request(port, "GET", path, headers=headers)
    assert status == 200, body
    return body["price"]


def patch(port: int, path: str, token: str, value: str) -> str:
    """PATCH the price; the X-Catalog-Position the response carries."""
    status, headers, body = exchange(
        port, "PATCH", path, {"price": value}, {"Authorization": f"Token {token}"}
    )
    assert status == 200, body
    return headers["X-Catalog-Position"]


def caught_up(replica, position: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while replica.replayed() < position:
        assert time.monotonic() < deadline, "the replica never caught up"
        time.sleep(0.05)


def lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def test_replica_lags_measurably_behind_a_returned_write(replicated, lagging_replica):
    env, token, item = replicated
    server = Gunicorn(env)
    try:
        position = lsn(patch(server.port, item, token, "2.00"))
        behind = lagging_replica.replayed()
        started = time.monotonic()
        caught_up(lagging_replica, position)
        waited = time.monotonic() - started
    finally:
        server.stop()
    print(f"\nreplica lag: caught up {waited * 1000:.0f} ms after the write returned")
    assert behind < position  # the write had returned; the replica had not replayed it
    assert waited >= 0.2  # recovery_min_apply_delay is 400 ms


def test_read_your_writes_across_two_app_servers(replicated, lagging_replica):
    env, token, item = replicated
    writer, reader = Gunicorn(env), Gunicorn(env)
    try:
        caught_up(lagging_replica, lagging_replica.primary_position())
        for n in range(2, 7):
            patch(writer.port, item, token, f"{n}.00")
            # The same token on the other server: its last write is remembered in Redis.
            assert price(reader.port, item, {"Authorization": f"Token {token}"}) == f"{n}.00"
        reads = reads_by_target(reader.port)
    finally:
        writer.stop()
        reader.stop()
    assert reads["primary"] >= 1  # the replica was behind each write: the primary answered


def test_read_your_writes_position_sent_back_is_honoured(replicated, scratch, lagging_replica):
    # A write the service never heard of (made straight in the database, as another service
    # would): only the position the client sends back can make a replica read wait for it.
    env, _, item = replicated
    server = Gunicorn({**env, "CACHE_ENABLED": "false"})
    try:
        caught_up(lagging_replica, lagging_replica.primary_position())
        assert price(server.port, item) == "1.00"
        scratch.query(f"UPDATE items_item SET price = 9 WHERE id = '{item.split('/')[3]}'")
        position = lagging_replica.primary_position()
        text = f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"
        stale = price(server.port, item)  # no position sent: the replica answers, behind
        fresh = price(server.port, item, {"X-Catalog-Position": text})
        reads = reads_by_target(server.port)
    finally:
        server.stop()
    assert stale == "1.00"  # the replica really serves reads, and really lags
    assert fresh == "9.00"
    assert reads["replica"] >= 2 and reads["primary"] >= 1


def test_read_your_writes_malformed_position_is_a_400_naming_the_header(replicated):
    env, _, item = replicated
    server = Gunicorn(env)
    try:
        answers = [
            request(server.port, "GET", item, headers={"X-Catalog-Position": bad})
            for bad in ("yesterday", "1/2/3", "G/0", "0/123456789")
        ]
    finally:
        server.stop()
    for status, body in answers:
        assert status == 400
        assert body["errors"][0]["attr"] == "X-Catalog-Position"


def test_replica_safe_cache_fill_never_stores_what_the_replica_has_not_replayed(
    replicated,
    lagging_replica,
):
    env, token, item = replicated
    server = Gunicorn(env)
    try:
        caught_up(lagging_replica, lagging_replica.primary_position())
        assert price(server.port, item) == "1.00"  # cached, from the replica
        position = lsn(patch(server.port, item, token, "3.00"))
        seen = []
        while lagging_replica.replayed() < position:  # anonymous reads fill the cache
            seen.append(price(server.port, item))
        for _ in range(20):  # and once it caught up, what was stored is served
            seen.append(price(server.port, item))
        reads = reads_by_target(server.port)
    finally:
        server.stop()
    seen = [value for value in seen if value is not None]
    print(f"\nreplica-safe fills: {len(seen)} reads while and after the replica caught up")
    assert len(seen) > 20 and set(seen) == {"3.00"}
    assert reads["replica"] >= 1


def test_replica_down_is_skipped_and_reported(replicated, lagging_replica):
    env, token, item = replicated
    server = Gunicorn(env)
    try:
        lagging_replica.stop()
        try:
            patch(server.port, item, token, "4.00")
            answers = [request(server.port, "GET", "/api/items/") for _ in range(5)]
            values = [price(server.port, item) for _ in range(5)]
            status, ready = request(server.port, "GET", "/ready/")
        finally:
            lagging_replica.start()
    finally:
        server.stop()
    assert all(status == 200 for status, _ in answers)
    assert set(values) == {"4.00"}
    assert status == 200 and ready["status"] == "degraded"
    assert ready["replicas"]["replica_0"]["status"].startswith("down")


def test_replica_lagging_past_max_lag_is_skipped(replicated, scratch, lagging_replica):
    env, _, item = replicated
    server = Gunicorn({**env, "REPLICA_MAX_LAG": "0.1", "CACHE_ENABLED": "false"})
    try:
        caught_up(lagging_replica, lagging_replica.primary_position())
        time.sleep(0.5)
        price(server.port, item)  # warm: the timed part below is a few milliseconds
        request(server.port, "GET", "/ready/")
        baseline = reads_by_target(server.port)
        time.sleep(1.1)  # what the server knows of the replica's lag is now a second old
        # Replay paused, not merely delayed: however slow the machine, the replica cannot
        # replay the update before the server's probe sees it behind.
        lagging_replica.query("postgres", "SELECT pg_wal_replay_pause()")
        try:
            scratch.query(f"UPDATE items_item SET price = 7 WHERE id = '{item.split('/')[3]}'")
            value = price(server.port, item)  # the replica is behind by more than 0.1 s
            _, ready = request(server.port, "GET", "/ready/")
            before = reads_by_target(server.port)
        finally:
            lagging_replica.query("postgres", "SELECT pg_wal_replay_resume()")
        caught_up(lagging_replica, lagging_replica.primary_position())
        # Used again once a probe finds it within 0.1 s, that is with nothing left to replay:
        # other commits on the primary (autovacuum's) can hold it back a moment, so wait.
        values, deadline = [], time.monotonic() + 30
        while (after := reads_by_target(server.port))["replica"] == before["replica"]:
            assert time.monotonic() < deadline, "the caught-up replica was never used again"
            values.append(price(server.port, item))
            time.sleep(0.05)
    finally:
        server.stop()
    assert value == "7.00"  # from the primary: the lagging replica was skipped
    assert ready["replicas"]["replica_0"]["status"] == "lagging"
    assert ready["replicas"]["replica_0"]["lag_seconds"] > 0.1
    assert before["replica"] == baseline["replica"]
    assert after["replica"] == before["replica"] + 1  # caught up: used again
    assert set(values) == {"7.00"}


def test_replica_lag_in_ready_and_metrics(replicated, lagging_replica):
    env, _, _ = replicated
    server = Gunicorn(env)
    try:
        caught_up(lagging_replica, lagging_replica.primary_position())
        status, ready = request(server.port, "GET", "/ready/")
        _, _, metrics = exchange(server.port, "GET", "/metrics", headers=METRICS)
    finally:
        server.stop()
    assert status == 200 and ready["status"] == "ready"
    replica = ready["replicas"]["replica_0"]
    assert replica["status"] == "ok" and replica["lag_seconds"] >= 0
    assert lsn(replica["replayed"]) > 0
    text = metrics.decode()
    assert re.search(r'^catalog_replica_lag_seconds\{replica="replica_0"\} [0-9.]+$', text, re.M)
    assert 'catalog_replica_up{replica="replica_0"} 1' in text


def test_replica_stress_no_stale_reads_across_two_app_servers(replicated, lagging_replica):
    env, token, item = replicated
    first, second = Gunicorn(env), Gunicorn(env)
    try:
        caught_up(lagging_replica, lagging_replica.primary_position())
        result = run_stress(first.port, [first.port, second.port], token, item, writes=300)
        reads = [reads_by_target(first.port), reads_by_target(second.port)]
    finally:
        first.stop()
        second.stop()
    by_replica = sum(r["replica"] for r in reads)
    by_primary = sum(r["primary"] for r in reads)
    print(
        f"\nreplica stress: {result.writes} writes, {result.reads} reads on 2 servers, "
        f"{len(result.stale)} stale; database reads: {by_primary:.0f} primary, "
        f"{by_replica:.0f} replica (400 ms behind)"
    )
    assert result.errors == []
    assert result.writes == 300 and result.reads > 300
    assert result.stale == []


def _wrk(port: int, path: str, seconds: int = 5) -> subprocess.Popen:
    return subprocess.Popen(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", f"http://127.0.0.1:{port}{path}"],
        stdout=subprocess.PIPE,
        text=True,
    )


def _rate(run: subprocess.Popen) -> float:
    out, _ = run.communicate(timeout=120)
    assert "Non-2xx" not in out, out
    return float(re.search(r"Requests/sec:\s+([0-9.]+)", out)[1])


def test_replica_reads_per_second_with_one_and_two_app_servers(
    replicated, scratch, lagging_replica
):
    # Figures for the README (printed, not asserted: timing claims belong to benchmarks); what
    # is asserted is that every read succeeded and the replica served the uncached ones.
    if shutil.which("wrk") is None:
        pytest.skip("wrk is absent: apt-get install wrk")
    env, _, _ = replicated
    scratch.manage("loaddata", "items")
    caught_up(lagging_replica, lagging_replica.primary_position())
    figures = {}
    for label, extra in (("cached", {}), ("uncached", {"CACHE_ENABLED": "false"})):
        servers = [Gunicorn({**env, **extra}), Gunicorn({**env, **extra})]
        try:
            path = "/api/items/?category=livre"
            figures[label, 1] = _rate(_wrk(servers[0].port, path))
            runs = [_wrk(server.port, path) for server in servers]
            figures[label, 2] = sum(_rate(run) for run in runs)
            reads = reads_by_target(servers[0].port)
        finally:
            for server in servers:
                server.stop()
    print(
        "\nreads per second (GET /api/items/?category=livre, wrk -t2 -c16, per server count): "
        + ", ".join(f"{label} x{n}: {rate:.0f}" for (label, n), rate in figures.items())
    )
    assert reads["replica"] > reads["primary"]
