"""An anonymous hit is read with plain commands under the versions the process saw last
(``plain_reads.predicted_lookup``). A write moves the versions; the read must notice it in the same
MGET, never serve the old entry, and count everything once: the hit, the miss, the bucket."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.throttling import AnonRateThrottle

from catalog_cache import keys, plain_reads
from catalog_cache.redis_guard import run
from catalog_cache.stats import cache_stats
from tests.support.factories import ItemFactory
from tests.support.throttles import throttle_rate

pytestmark = pytest.mark.django_db(transaction=True)


def _bucket_size() -> int:
    return sum(run(lambda c: [c.zcard(k) for k in c.scan_iter(keys.throttle_key("anon:*"))]))


def test_a_write_between_two_hits_is_seen_at_once(anon_client, staff_client):
    item = ItemFactory(price=Decimal("10.00"))
    detail = f"/api/items/{item.pk}/"
    listing = "/api/items/?ordering=price"
    for _ in range(2):  # a miss, then a hit under the versions now known
        assert anon_client.get(detail).json()["price"] == "10.00"
        assert anon_client.get(listing).json()["results"][0]["price"] == "10.00"
    assert plain_reads._seen  # the versions are predicted from here on
    assert staff_client.patch(detail, {"price": "12.50"}, format="json").status_code == 200
    assert anon_client.get(detail).json()["price"] == "12.50"
    assert anon_client.get(listing).json()["results"][0]["price"] == "12.50"
    hits = cache_stats()["hits"]
    assert anon_client.get(detail).json()["price"] == "12.50"  # a hit again
    assert cache_stats()["hits"] == hits + 1


def test_a_predicted_miss_counts_one_miss_and_no_hit(anon_client):
    item = ItemFactory()
    detail = f"/api/items/{item.pk}/"
    anon_client.get(detail)
    anon_client.get(detail)
    run(lambda c: c.delete(*c.scan_iter(f"{keys.namespace()}item:*:{item.pk}:public")))
    before = cache_stats()
    bucket = _bucket_size()
    assert anon_client.get(detail).status_code == 200  # versions right, entry gone
    after = cache_stats()
    assert (after["hits"], after["misses"]) == (before["hits"], before["misses"] + 1)
    assert _bucket_size() == bucket + 1  # counted once, though the view read the cache too
    hits = after["hits"]
    assert anon_client.get(detail).status_code == 200
    assert cache_stats()["hits"] == hits + 1


def test_a_refused_hit_is_neither_served_nor_counted(anon_client):
    item = ItemFactory()
    detail = f"/api/items/{item.pk}/"
    with throttle_rate(AnonRateThrottle, "anon", "3/min"):
        assert [anon_client.get(detail).status_code for _ in range(3)] == [200, 200, 200]
        hits = cache_stats()["hits"]
        refused = [anon_client.get(detail) for _ in range(3)]
        assert {r.status_code for r in refused} == {429}
        assert all(0 < int(r["Retry-After"]) <= 60 for r in refused)
        assert _bucket_size() == 3
        assert cache_stats()["hits"] == hits
