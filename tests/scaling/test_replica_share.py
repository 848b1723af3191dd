"""The change log lets a replica behind the last write serve the pages that write cannot alter.

Against a real streaming replica whose replay is paused (``pg_wal_replay_pause()``) just before
a write, so it is behind that write for as long as the test needs: a page the write cannot alter
is read on the replica; a page that shows the changed item, or depends on the changed field, is
answered by the primary, never stale; an item's detail needs only its own changes.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import pytest

from tests.scaling.test_replicas import METRICS, caught_up, lsn, reads_by_target
from tests.support.served import Gunicorn, exchange, request
from tests.support.stress import UNTHROTTLED

pytestmark = pytest.mark.django_db

SETUP = (
    "from rest_framework.authtoken.models import Token; from items.models import User, Item; "
    "u = User.objects.create(username='writer', is_staff=True); "
    "a = Item.objects.create(name='Lampe de bureau', price='10.00', category='autre'); "
    "b = Item.objects.create(name='Roman policier', price='7.00', category='livre'); "
    "print(Token.objects.create(user=u).key, a.pk, b.pk)"
)


def replicated(scratch, replica, **settings: str) -> tuple[dict[str, str], list[str]]:
    """(a server's env reading from ``replica``, with ``settings``; the token and the items'
    ids ``SETUP`` printed) on a scratch database the replica has."""
    scratch.manage("migrate", "--noinput")
    made = scratch.manage("shell", "--no-imports", "-c", SETUP).stdout.split()
    replica.wait_for(scratch.name)
    env = {
        **scratch.env,
        "DATABASE_REPLICA_URLS": replica.url(scratch.name),
        "REPLICA_MAX_LAG": "60",
        "METRICS_TOKEN": METRICS["Authorization"].split()[1],
        **UNTHROTTLED,
        **settings,
    }
    return env, made


@pytest.fixture(params=["true", "false"], ids=["cache on", "cache off"])
def served(request, scratch, lagging_replica):
    """(server port, staff token, the lamp's id, the novel's id), the replica caught up."""
    env, (token, lamp, novel) = replicated(scratch, lagging_replica, CACHE_ENABLED=request.param)
    server = Gunicorn(env)
    try:
        # The change log starts with its first change: past it, the log holds every change.
        patch(server.port, token, lamp, {"price": "10.00"})
        caught_up(lagging_replica, lagging_replica.primary_position())
        yield server.port, token, lamp, novel
    finally:
        server.stop()


@contextlib.contextmanager
def replay_paused(replica) -> Iterator[None]:
    replica.query("postgres", "SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        replica.query("postgres", "SELECT pg_wal_replay_resume()")


def read(port: int, path: str) -> tuple[dict, dict[str, float]]:
    """The page, and the database reads it took by target."""
    before = reads_by_target(port)
    status, body = request(port, "GET", path)
    assert status == 200, body
    after = reads_by_target(port)
    return body, {target: after.get(target, 0) - before.get(target, 0) for target in after}


def patch(port: int, token: str, item: str, changes: dict) -> int:
    """PATCH the item; the WAL position its response carries."""
    headers = {"Authorization": f"Token {token}"}
    status, sent, body = exchange(port, "PATCH", f"/api/items/{item}/", changes, headers)
    assert status == 200, body
    return lsn(sent["X-Catalog-Position"])


def prices(page: dict) -> dict[str, str]:
    return {item["id"]: item["price"] for item in page["results"]}


def test_pages_a_price_change_cannot_alter_are_read_on_the_lagging_replica(served, lagging_replica):
    port, token, lamp, novel = served
    with replay_paused(lagging_replica):
        written = patch(port, token, lamp, {"price": "12.00"})

        # Neither shows the lamp nor depends on prices: the replica reads them.
        page, reads = read(port, "/api/items/?category=livre")
        assert prices(page) == {novel: "7.00"} and reads["replica"] == 1, reads
        page, reads = read(port, "/api/items/search/?q=roman")
        assert prices(page) == {novel: "7.00"} and reads["replica"] == 1, reads
        one, reads = read(port, f"/api/items/{novel}/")
        assert one["price"] == "7.00" and reads["replica"] == 1, reads

        # Shows the lamp: read on the replica, refused by the log, read again on the primary.
        page, reads = read(port, "/api/items/?category=autre")
        assert prices(page) == {lamp: "12.00"}, page
        assert reads["primary"] == 1 and reads["replica_discarded"] == 1, reads
        # Sorted by price: the change may reorder it, so the primary reads at once.
        page, reads = read(port, "/api/items/?ordering=price")
        assert list(prices(page).values()) == ["7.00", "12.00"]
        assert reads["primary"] == 1 and reads.get("replica_discarded", 0) == 0, reads
        one, reads = read(port, f"/api/items/{lamp}/")
        assert one["price"] == "12.00" and reads["primary"] == 1, reads

        assert lagging_replica.replayed() < written  # all of it while the replica was behind

    # /metrics shows the share, as the counters add up.
    reads = reads_by_target(port)
    status, _, body = exchange(port, "GET", "/metrics", headers=METRICS)
    assert status == 200
    shown = re.search(r"^catalog_db_replica_read_share (\S+)$", body.decode(), re.M)
    assert shown is not None, body[-500:]
    assert float(shown.group(1)) == pytest.approx(
        reads["replica"] / (reads["replica"] + reads["primary"])
    )


def test_a_text_change_sends_searches_to_the_primary(served, lagging_replica):
    port, token, lamp, novel = served
    with replay_paused(lagging_replica):
        patch(port, token, lamp, {"name": "Roman lumineux"})
        page, reads = read(port, "/api/items/search/?q=roman")
        assert set(prices(page)) == {lamp, novel} and reads["primary"] == 1, reads
        page, reads = read(port, "/api/items/?category=livre")  # names are not its business
        assert prices(page) == {novel: "7.00"} and reads["replica"] == 1, reads


def test_a_read_may_wait_for_the_replica_to_catch_up(scratch, lagging_replica):
    # far more than the replica's 400 ms
    env, (token, lamp, _) = replicated(
        scratch, lagging_replica, REPLICA_WAIT_MS="3000", CACHE_ENABLED="false"
    )
    server = Gunicorn(env)
    try:
        caught_up(lagging_replica, lagging_replica.primary_position())
        behind = lagging_replica.replayed() < patch(server.port, token, lamp, {"price": "13.00"})
        one, reads = read(server.port, f"/api/items/{lamp}/")
    finally:
        server.stop()
    assert behind  # the write had returned; the replica had not replayed it
    assert one["price"] == "13.00" and reads["replica"] == 1 and reads["primary"] == 0, reads
