"""Operators can watch it: Server-Timing, slow-query logs, JSON logs, metrics, health."""

from __future__ import annotations

import io
import json
import logging

import pytest
from rest_framework.authtoken.models import Token

from tests.support.databases import postgres_outage
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # real transactions: no test savepoints to count
def test_every_response_has_server_timing(anon_client):
    ItemFactory()
    timing = anon_client.get("/api/items/")["Server-Timing"]
    parts = dict(part.strip().split(";", 1) for part in timing.split(","))
    assert set(parts) == {"db", "cache", "total"}
    assert "2 queries" in parts["db"]  # a COUNT and a page


def test_slow_queries_are_logged_with_sql_and_duration(anon_client, settings, caplog):
    settings.SLOW_QUERY_MS = 0
    ItemFactory()
    anon_client.get("/api/items/")
    slow = [r for r in caplog.records if r.name == "catalog.db" and r.message == "slow query"]
    assert any("items_item" in record.sql for record in slow)
    assert all(record.duration_ms >= 0 for record in slow)


def test_logs_are_json_with_the_request_id(anon_client, settings):
    console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    copy = logging.StreamHandler(stream)  # the configured formatter and filters, our stream
    copy.setFormatter(console.formatter)
    for log_filter in console.filters:
        copy.addFilter(log_filter)
    logging.getLogger().addHandler(copy)
    settings.SLOW_QUERY_MS = 0
    try:
        response = anon_client.get("/api/items/", HTTP_X_REQUEST_ID="trace-123")
    finally:
        logging.getLogger().removeHandler(copy)
    assert response["X-Request-ID"] == "trace-123"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and all(line["request_id"] == "trace-123" for line in lines)
    assert lines[0]["level"] == "WARNING" and lines[0]["logger"] == "catalog.db"


def test_health_is_cheap(anon_client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = anon_client.get("/health/")
    assert response.json() == {"status": "ok"}


def test_ready_checks_postgres_and_redis(anon_client):
    response = anon_client.get("/ready/")
    assert response.status_code == 200
    assert response.json()["checks"] == {"postgres": "ok", "redis": "ok"}


def test_ready_stays_up_with_redis_down_reporting_the_cache_degraded(anon_client, own_redis):
    own_redis.kill()
    response = anon_client.get("/ready/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["degraded"] == ["redis"]
    assert body["checks"]["redis"].startswith("down") and body["checks"]["postgres"] == "ok"
    assert "failing" not in body


def test_ready_is_unavailable_while_postgres_is_down(anon_client):
    with postgres_outage():
        response = anon_client.get("/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["failing"] == ["postgres"]
    assert body["checks"]["redis"] == "ok"


def test_metrics_are_for_staff_or_the_scraper_token(anon_client, user, staff, settings):
    anon_client.get("/api/items/")
    assert anon_client.get("/metrics").status_code == 403
    user_token = Token.objects.create(user=user).key
    assert anon_client.get("/metrics", HTTP_AUTHORIZATION=f"Token {user_token}").status_code == 403
    staff_token = Token.objects.create(user=staff).key
    body = anon_client.get("/metrics", HTTP_AUTHORIZATION=f"Token {staff_token}").content.decode()
    assert 'catalog_requests_total{method="GET",route="api/items/",status="200"}' in body
    assert "catalog_request_seconds_bucket" in body and "catalog_db_seconds" in body
    assert "catalog_cache_hits_total" in body and "catalog_cache_seconds" in body
    settings.METRICS_TOKEN = "s3cret-scraper"
    scraped = anon_client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scraper")
    assert scraped.status_code == 200
    assert anon_client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403


def test_metrics_answer_the_scraper_while_postgres_is_down(anon_client, settings):
    settings.METRICS_TOKEN = "s3cret-scraper"
    with postgres_outage():
        response = anon_client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scraper")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'catalog_service_up{service="postgres"} 0' in body
    assert 'catalog_service_up{service="redis"} 1' in body


def test_metrics_show_every_service_up_when_all_answer(anon_client, settings):
    settings.METRICS_TOKEN = "s3cret-scraper"
    body = anon_client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scraper").content
    assert b'catalog_service_up{service="postgres"} 1' in body
    assert b'catalog_service_up{service="redis"} 1' in body


def test_metrics_count_the_embedded_redis_restarts(anon_client, settings, monkeypatch):
    settings.METRICS_TOKEN = "s3cret-scraper"
    monkeypatch.setattr("core.embedded.redis_restarts", lambda data_dir: 3)
    settings.REDIS_URL = ""
    body = anon_client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scraper").content
    assert b"\ncatalog_embedded_redis_restarts_total 3\n" in body
    settings.REDIS_URL = "redis://elsewhere:6379/0"  # not ours to count
    body = anon_client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scraper").content
    assert b"catalog_embedded_redis_restarts_total" not in body


def test_a_staff_token_cannot_be_checked_while_postgres_is_down(anon_client, staff):
    staff_token = Token.objects.create(user=staff).key
    with postgres_outage():
        response = anon_client.get("/metrics", HTTP_AUTHORIZATION=f"Token {staff_token}")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json()["errors"][0]["code"] == "database_unavailable"


def test_ready_checks_mongodb_when_selected(anon_client, settings, monkeypatch):
    from tests.support.factories import item_backend

    with item_backend("mongodb", settings=settings, monkeypatch=monkeypatch):
        response = anon_client.get("/ready/")
        assert response.json()["checks"]["mongodb"] == "ok"
        from items.repository import get_item_repository

        def unreachable() -> None:
            raise ConnectionError("no server")

        monkeypatch.setattr(get_item_repository(), "ping", unreachable)
        response = anon_client.get("/ready/")
    assert response.status_code == 503 and response.json()["failing"] == ["mongodb"]


def _metric(name: str, labels: dict | None = None) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


@pytest.mark.django_db(transaction=True)  # real transactions: no test savepoints to count
def test_slow_queries_are_counted_by_route(anon_client, settings):
    ItemFactory()
    route = {"route": "api/items/"}
    before = _metric("catalog_slow_queries_total", route)
    settings.SLOW_QUERY_MS = 0
    timing = anon_client.get("/api/items/")["Server-Timing"]
    queries = int(timing.split('desc="')[1].split(" queries")[0])
    assert queries >= 2
    assert _metric("catalog_slow_queries_total", route) - before == queries
    settings.SLOW_QUERY_MS = 60_000
    anon_client.get("/api/items/?page=1")
    assert _metric("catalog_slow_queries_total", route) - before == queries  # none slow


def test_the_pool_reports_its_use_waits_and_timeouts():
    from django.db import connection
    from psycopg_pool import PoolTimeout

    from core.observability.pool import report_pool_use

    connection.ensure_connection()
    pool = connection.pool
    waits, timeouts = (
        _metric("catalog_db_pool_waits_total"),
        _metric("catalog_db_pool_timeouts_total"),
    )
    held = []
    try:
        with pytest.raises(PoolTimeout):
            while True:
                held.append(pool.getconn(timeout=0.3))
        report_pool_use()
        in_use = _metric("catalog_db_pool_connections", {"state": "in_use"})
        assert in_use == pool.max_size  # every connection lent: the test's own and those held
        assert _metric("catalog_db_pool_connections", {"state": "idle"}) == 0
    finally:
        for held_connection in held:
            pool.putconn(held_connection)
    report_pool_use()
    assert _metric("catalog_db_pool_connections", {"state": "in_use"}) == 1  # the test's own
    assert _metric("catalog_db_pool_max_connections") == pool.max_size
    assert _metric("catalog_db_pool_timeouts_total") - timeouts == 1
    assert _metric("catalog_db_pool_waits_total") - waits >= 1
