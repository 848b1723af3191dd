"""A hit is read with plain commands under the versions the process saw last, and for a token
the holder it saw last (``plain_reads``). A write, a revocation or a changed holder moves them;
the read must notice it in the same MGET, never serve the old entry nor the old holder, and
count everything once: the hit, the miss, the bucket. (The revocations themselves are
``test_sign_ins``'s: each is tried on a process that predicts the holder.)"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from catalog_cache.rates.buckets import throttle_key
from catalog_cache.redis_core import keys
from catalog_cache.redis_core.guard import run
from catalog_cache.responses import plain_reads
from catalog_cache.responses.stats import cache_stats
from tests.support.factories import ItemFactory
from tests.support.throttles import throttle_rate

pytestmark = pytest.mark.django_db(transaction=True)


def _bucket_size(scope: str = "anon") -> int:
    return sum(run(lambda c: [c.zcard(k) for k in c.scan_iter(throttle_key(f"{scope}:*"))]))


def _signed_in(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


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


def test_a_signed_in_caller_sees_a_write_between_two_hits_at_once(user, staff_client):
    item = ItemFactory(price=Decimal("10.00"))
    detail = f"/api/items/{item.pk}/"
    client = _signed_in(user)
    for _ in range(3):  # a miss, the script's hit (the holder learnt), a predicted hit
        assert client.get(detail).json()["price"] == "10.00"
    assert plain_reads._callers
    assert staff_client.patch(detail, {"price": "12.50"}, format="json").status_code == 200
    assert client.get(detail).json()["price"] == "12.50"
    hits = cache_stats()["hits"]
    assert client.get(detail).json()["price"] == "12.50"
    assert cache_stats()["hits"] == hits + 1


def test_a_predicted_owner_sees_their_own_hidden_item_and_no_one_elses(user, other_user):
    mine = ItemFactory(is_active=False, created_by=user)
    theirs = ItemFactory(is_active=False, created_by=other_user)
    client = _signed_in(user)
    for _ in range(3):
        assert client.get(f"/api/items/{mine.pk}/").status_code == 200
        assert client.get(f"/api/items/{theirs.pk}/").status_code == 404


def test_a_predicted_signed_in_miss_counts_no_hit_and_no_request(user):
    item = ItemFactory()
    detail = f"/api/items/{item.pk}/"
    client = _signed_in(user)
    for _ in range(3):
        client.get(detail)
    run(lambda c: c.delete(*c.scan_iter(f"{keys.namespace()}item:*:{item.pk}:public")))
    before, bucket = cache_stats(), _bucket_size("user")
    assert client.get(detail).status_code == 200  # versions right, entry gone: the view
    after = cache_stats()
    assert after["hits"] == before["hits"]
    assert _bucket_size("user") == bucket + 1  # counted once, by the view's authentication


def test_a_refused_signed_in_hit_is_neither_served_nor_counted(user):
    item = ItemFactory()
    detail = f"/api/items/{item.pk}/"
    client = _signed_in(user)
    with throttle_rate(UserRateThrottle, "user", "4/min"):
        assert [client.get(detail).status_code for _ in range(4)] == [200] * 4
        hits = cache_stats()["hits"]
        refused = [client.get(detail) for _ in range(3)]
        assert {r.status_code for r in refused} == {429}
        assert all(0 < int(r["Retry-After"]) <= 60 for r in refused)
        assert _bucket_size("user") == 4
        assert cache_stats()["hits"] == hits
