"""Redis is an accelerator: stopped, frozen or restarted, it makes the API slower, never wrong."""

from __future__ import annotations

import logging
import time
from decimal import Decimal

import pytest

from catalog_cache.redis_core.guard import OPEN_SECONDS, guard
from catalog_cache.responses.stats import cache_stats
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_out_the_breaker() -> None:
    time.sleep(OPEN_SECONDS + 0.1)


def test_every_endpoint_answers_while_redis_is_down_and_caching_resumes(
    own_redis, anon_client, staff_client, caplog
):
    item = ItemFactory(name="Lampe", price=Decimal("10.00"))
    detail = f"/api/items/{item.pk}/"
    assert anon_client.get(detail).status_code == 200
    own_redis.kill()
    with caplog.at_level(logging.WARNING, logger="catalog_cache"):
        assert anon_client.get(detail).json()["price"] == "10.00"
        assert anon_client.get("/api/items/").json()["count"] == 1
        assert anon_client.get("/api/items/search/", {"q": "lampe"}).json()["count"] == 1
        assert staff_client.patch(detail, {"price": "11.00"}, format="json").status_code == 200
        assert anon_client.get(detail).json()["price"] == "11.00"
        created = staff_client.post(
            "/api/items/", {"name": "Neuf", "price": "1.00", "category": "autre"}, format="json"
        )
        assert created.status_code == 201
        assert staff_client.delete(f"/api/items/{created.json()['id']}/").status_code == 204
        assert staff_client.get("/api/cache/stats/").json()["available"] is False
    assert any("Redis unreachable" in r.message for r in caplog.records)
    assert cache_stats()["redis_failures"] >= 1

    own_redis.start()
    _wait_out_the_breaker()
    anon_client.get(detail)
    anon_client.get(detail)
    stats = cache_stats()
    assert stats["available"] and stats["hits"] == 1 and stats["misses"] == 1


def test_an_invalidation_lost_while_redis_was_unreachable_serves_nothing_stale(
    own_redis, anon_client, staff_client
):
    item = ItemFactory(price=Decimal("10.00"))
    detail = f"/api/items/{item.pk}/"
    anon_client.get(detail)
    assert anon_client.get(detail).json()["price"] == "10.00"
    assert cache_stats()["hits"] == 1  # the detail is cached
    own_redis.hide()
    assert staff_client.patch(detail, {"price": "12.00"}, format="json").status_code == 200
    own_redis.show()  # Redis is back, the old entry still in memory and its version unbumped
    _wait_out_the_breaker()
    assert anon_client.get(detail).json()["price"] == "12.00"
    assert anon_client.get("/api/items/").json()["results"][0]["price"] == "12.00"


def test_throttles_in_a_redis_stall_warn_once_and_wait_one_timeout(own_redis, user_client, caplog):
    ItemFactory()
    assert user_client.get("/api/items/").status_code == 200  # connected, scripts loaded
    failures = guard.failures
    own_redis.stall()
    try:
        with caplog.at_level(logging.WARNING):
            # A signed-in read: its throttle is the first to ask Redis.
            assert user_client.get("/api/items/").status_code == 200
    finally:
        own_redis.resume()
    assert guard.failures == failures + 1  # one socket timeout, then the circuit is open
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []  # no traceback
    assert any("Redis unreachable" in r.getMessage() for r in caplog.records)
