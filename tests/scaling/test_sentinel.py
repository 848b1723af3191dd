"""Redis Sentinel (tests/support/sentinel.py): the service follows a real failover, and a
promoted replica that missed the last invalidations serves nothing stale (the epoch moves)."""

from __future__ import annotations

import pytest

from tests.support.sentinel import SERVICE, SentinelRedis
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
def sentinel_redis(tmp_path):
    servers = SentinelRedis(tmp_path)
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def served(scratch, sentinel_redis):
    """(server env, staff token, an item's path): the service on Redis through Sentinel."""
    scratch.manage("migrate", "--noinput")
    token, item_id = scratch.manage("shell", "--no-imports", "-c", SETUP).stdout.split()
    env = {
        **scratch.env,
        "REDIS_URL": "",
        "REDIS_SENTINELS": sentinel_redis.sentinels,
        "REDIS_SENTINEL_SERVICE": SERVICE,
        **UNTHROTTLED,
    }
    return env, token, f"/api/items/{item_id}/"


def _price(port: int, path: str) -> str:
    status, body = request(port, "GET", path)
    assert status == 200, body
    return body["price"]


def test_sentinel_cache_lives_on_the_master_the_sentinels_name(served, sentinel_redis):
    env, _, item = served
    server = Gunicorn(env)
    try:
        _price(server.port, item)
        _price(server.port, item)
    finally:
        server.stop()
    master = sentinel_redis.master()
    assert master.get(f"{env['CACHE_KEY_PREFIX']}:rc:stats:hits") == b"1"
    assert any(b":rc:item:" in key for key in master.keys(f"{env['CACHE_KEY_PREFIX']}:*"))


def test_sentinel_failover_keeps_the_service_answering(served, sentinel_redis):
    env, token, item = served
    server = Gunicorn(env)
    hits_key = f"{env['CACHE_KEY_PREFIX']}:rc:stats:hits"
    try:
        load = Load(server.port, token, item).start()
        SentinelRedis.wait_until(lambda: sum(load.statuses.values()) >= 20)
        sentinel_redis.fail_master()
        # Until the service has found the promoted replica and is served from it: a condition,
        # not a fixed wait, which a busy machine's failover and reconnection could outlast.
        SentinelRedis.wait_until(lambda: int(sentinel_redis.replica().get(hits_key) or 0) > 0)
        statuses = load.stop()
        after = [request(server.port, "GET", item)[0] for _ in range(5)]
        hits = sentinel_redis.replica().get(hits_key)
    finally:
        server.stop()
    print(f"\nsentinel failover under load: statuses {dict(statuses)}")
    assert load.bodies_5xx == [] and statuses[0] == 0
    assert set(after) == {200}
    assert int(hits or 0) > 0  # the promoted replica serves the cache now


def test_sentinel_failover_loses_invalidations_yet_serves_nothing_stale(served, sentinel_redis):
    env, token, item = served
    server = Gunicorn(env)
    item_version = f"{env['CACHE_KEY_PREFIX']}:rc:ver:item:{item.split('/')[3]}"
    try:
        assert _price(server.port, item) == "0.00"  # cached on the master, and replicated
        master = sentinel_redis.master()
        assert master.wait(1, 5000) == 1
        old_version = master.get(item_version)
        sentinel_redis.cut_replication()
        status, _ = request(
            server.port, "PATCH", item, {"price": "5.00"}, {"Authorization": f"Token {token}"}
        )
        assert status == 200 and _price(server.port, item) == "5.00"
        assert master.get(item_version) != old_version
        sentinel_redis.fail_master()
        # The promoted replica never saw the write's invalidation: its versions still lead to
        # the entry holding the old price.
        promoted = sentinel_redis.replica()
        assert promoted.get(item_version) == old_version
        seen = [_price(server.port, item) for _ in range(20)]
    finally:
        server.stop()
    assert set(seen) == {"5.00"}


def test_sentinel_stress_failover_mid_run_no_stale_reads(served, sentinel_redis):
    env, token, item = served
    first, second = Gunicorn(env), Gunicorn(env)

    def fail_over(written: int) -> None:
        if written == 100:
            sentinel_redis.fail_master()

    try:
        result = run_stress(
            first.port, [first.port, second.port], token, item, writes=300, during=fail_over
        )
    finally:
        first.stop()
        second.stop()
    print(
        f"\nsentinel stress: {result.writes} writes, {result.reads} reads on 2 servers, "
        f"Redis master failed over after write 100, {len(result.stale)} stale"
    )
    assert result.errors == []
    assert result.writes == 300 and result.reads > 300
    assert result.stale == []


REVOKE = (
    "from rest_framework.authtoken.models import Token; Token.objects.filter(key='{}').delete()"
)


def test_sentinel_failover_loses_a_revocation_yet_the_token_is_refused(
    scratch, served, sentinel_redis
):
    # A token's holder is known from Redis; its revocation bumps the token's version there. A
    # promoted replica that missed the bump still holds the holder: the epoch must hide it.
    env, token, item = served
    server = Gunicorn(env)
    signed_in = {"Authorization": f"Token {token}"}
    try:
        assert request(server.port, "GET", item, headers=signed_in)[0] == 200  # holder stored
        assert request(server.port, "GET", item, headers=signed_in)[0] == 200
        assert sentinel_redis.master().wait(1, 5000) == 1
        sentinel_redis.cut_replication()
        scratch.manage("shell", "--no-imports", "-c", REVOKE.format(token), **env)
        assert request(server.port, "GET", item, headers=signed_in)[0] == 401
        sentinel_redis.fail_master()
        after = [request(server.port, "GET", item, headers=signed_in)[0] for _ in range(5)]
    finally:
        server.stop()
    assert set(after) == {401}
