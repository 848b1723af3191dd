"""A miss costs two Redis round trips besides the hit's lookup: the view's lookup takes the
entry's fill lock in the same script, and storing the entry releases it. An anonymous miss is
counted once in its bucket, by the lookup that found it missing, and still refused beyond it."""

from __future__ import annotations

import threading
import time
import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from catalog_cache.redis_core import keys
from catalog_cache.redis_core.guard import run
from catalog_cache.responses import keys as entry_keys
from catalog_cache.responses import lookups, store
from tests.support.factories import ItemFactory
from tests.support.throttles import throttle_rate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent(monkeypatch):
    """The Redis commands sent, by name."""
    import redis

    names, execute = [], redis.Redis.execute_command

    def counted(client, *args, **options):
        names.append(args[0])
        return execute(client, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    return names


def locks() -> list[bytes]:
    return run(lambda c: list(c.scan_iter(f"*{entry_keys.LOCK_SUFFIX}")))


def test_an_anonymous_miss_is_three_round_trips_and_counted_once(sent):
    item = ItemFactory(price=Decimal("10.00"))
    client = APIClient()
    client.get(f"/api/items/{ItemFactory().pk}/")  # every script loaded into Redis
    with throttle_rate(AnonRateThrottle, "anon", "3/min"):
        sent.clear()
        first = client.get(f"/api/items/{item.pk}/")
        # The hit's lookup (which counts the request), the view's lookup with the fill lock,
        # then the entry stored and its lock released; the view's throttle asks nothing.
        assert sent == ["EVALSHA", "EVALSHA", "EVALSHA"], sent
        hits = [client.get(f"/api/items/{item.pk}/").status_code for _ in range(2)]
        refused_hit = client.get(f"/api/items/{item.pk}/")
        refused_miss = client.get("/api/items/?category=livre")
    assert first.status_code == 200 and first.json()["id"] == str(item.pk)
    assert hits == [200, 200]  # three requests in all: the rate is exactly met
    assert refused_hit.status_code == refused_miss.status_code == 429
    assert refused_miss.json()["errors"][0]["code"] == "throttled"
    assert 0 < int(refused_miss["Retry-After"]) <= 60
    assert locks() == []


def test_misses_of_missing_items_are_counted_too():
    """A 404 is a miss every time: each is counted once, and refused beyond the rate."""
    client = APIClient()
    with throttle_rate(AnonRateThrottle, "anon", "2/min"):
        codes = [client.get(f"/api/items/{uuid.uuid4()}/").status_code for _ in range(3)]
    assert codes == [404, 404, 429]
    assert locks() == []


def test_a_failed_build_releases_its_fill_lock():
    def build():
        raise RuntimeError("the database went away")

    version_key, entry = keys.catalog_version_key(), ("test:miss:", ":x")
    with pytest.raises(RuntimeError):
        store.get_or_build(version_key, entry, ("public",), 60, build)
    assert locks() == []
    # The next miss is not kept waiting by a lock nobody holds: it builds at once.
    assert store.get_or_build(version_key, entry, ("public",), 60, lambda: (b"ok", "public"))
    assert locks() == []


def test_a_miss_that_finds_the_lock_held_waits_for_the_entry():
    version_key, entry = keys.catalog_version_key(), ("test:wait:", ":x")
    holder = lookups.lookup(version_key, entry, ("public",), lock="someone-else")
    assert holder.value is None and holder.locked
    again = lookups.lookup(version_key, entry, ("public",), lock="me")
    assert again.value is None and not again.locked  # one holder at a time

    def the_holder_stores_its_entry():
        time.sleep(0.1)
        run(lambda c: c.set(f"{holder.key}:public", b"theirs", ex=60))
        run(lambda c: c.delete(entry_keys.lock_key(holder.key)))

    other = threading.Thread(target=the_holder_stores_its_entry)
    other.start()
    try:
        served = store.get_or_build(
            version_key, entry, ("public",), 60, lambda: (b"mine", "public")
        )
    finally:
        other.join()
    assert served == b"theirs"  # waited for, not built again
    assert locks() == []
