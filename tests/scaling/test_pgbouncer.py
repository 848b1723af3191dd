"""PgBouncer in transaction pooling mode (tests/support/pgbouncer.py): the service runs
through it, writes and reads under load, with the settings that mode needs (``DB_PGBOUNCER``)."""

from __future__ import annotations

import time

import pytest

from tests.support.pgbouncer import PgBouncer, pgbouncer_binary
from tests.support.served import Gunicorn, Load, request
from tests.support.stress import UNTHROTTLED, run_stress

pytestmark = pytest.mark.django_db

SETUP = (
    "from rest_framework.authtoken.models import Token; from items.models import User, Item; "
    "u = User.objects.create(username='writer', is_staff=True); "
    "i = Item.objects.create(name='Compteur', price='0.00', category='autre'); "
    "print(Token.objects.create(user=u).key, i.pk)"
)


@pytest.fixture
def bouncer(scratch, primary):
    pgbouncer_binary()  # skips, naming the package, when it is absent
    scratch.manage("migrate", "--noinput")
    pool = PgBouncer([scratch.name], pool_size=3, server=primary.server)
    pool.start()
    try:
        yield pool
    finally:
        pool.stop()


def _served_env(scratch, bouncer: PgBouncer, **extra: str) -> dict[str, str]:
    return {**scratch.env, "DATABASE_URL": bouncer.url(scratch.name), **UNTHROTTLED, **extra}


def test_pgbouncer_transaction_pooling_serves_writes_and_reads_without_stale(scratch, bouncer):
    token, item_id = scratch.manage(
        "shell",
        "--no-imports",
        "-c",
        SETUP,
        DATABASE_URL=bouncer.url(scratch.name),
        DB_PGBOUNCER="true",
    ).stdout.split()
    env = _served_env(scratch, bouncer, DB_PGBOUNCER="true")
    first, second = Gunicorn(env), Gunicorn(env)
    try:
        result = run_stress(
            first.port, [first.port, second.port], token, f"/api/items/{item_id}/", writes=200
        )
        search = request(first.port, "GET", "/api/items/search/?q=compteu")  # a typo: trigrams
        pools = bouncer.admin("SHOW POOLS")
        stats = bouncer.admin("SHOW STATS")
    finally:
        first.stop()
        second.stop()
    mine = next(row for row in stats if row["database"] == scratch.name)
    print(
        f"\npgbouncer: {result.writes} writes, {result.reads} reads, {len(result.stale)} stale, "
        f"{mine['total_xact_count']} transactions pooled"
    )
    assert result.errors == [] and result.stale == []
    assert result.writes == 200 and result.reads > 200
    assert search[0] == 200 and search[1]["count"] == 1
    assert mine["total_xact_count"] >= 200  # it all went through PgBouncer
    assert [row["pool_mode"] for row in pools if row["database"] == scratch.name] == ["transaction"]


def test_pgbouncer_server_connections_stay_within_its_pool_under_load(scratch, bouncer):
    token, item_id = scratch.manage(
        "shell",
        "--no-imports",
        "-c",
        SETUP,
        DATABASE_URL=bouncer.url(scratch.name),
        DB_PGBOUNCER="true",
    ).stdout.split()
    server = Gunicorn(_served_env(scratch, bouncer, DB_PGBOUNCER="true"), threads=16)
    try:
        load = Load(server.port, token, f"/api/items/{item_id}/").start()
        seen = []
        for _ in range(20):
            pools = [p for p in bouncer.admin("SHOW POOLS") if p["database"] == scratch.name]
            seen.append(sum(p["sv_active"] + p["sv_idle"] + p["sv_used"] for p in pools))
            time.sleep(0.1)
        statuses = load.stop()
    finally:
        server.stop()
    assert load.bodies_5xx == [] and statuses[0] == 0 and statuses[200] > 50
    assert max(seen) <= 3  # the database saw at most the pool's three connections
