"""A cache hit is answered near the top of the middleware chain, so it must still leave exactly
as the whole chain would have sent it: every header the lower layers add, a 304 for a matching
If-None-Match, and, for a request one of those layers answers itself, that layer's answer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from catalog_cache.responses.stats import cache_stats
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)
PER_REQUEST = {"X-Request-ID", "Server-Timing"}
PATHS = ["/api/items/?category=livre", "/api/items/search/?q=lampe", "{detail}"]


def headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in PER_REQUEST}


@pytest.fixture
def item():
    return ItemFactory(name="Lampe de bureau", category="livre", price=Decimal("10.00"))


@pytest.mark.parametrize("path", PATHS)
def test_a_hit_has_every_header_the_whole_chain_gives(anon_client, settings, item, path):
    url = path.format(detail=f"/api/items/{item.pk}/")
    settings.CACHE_ENABLED = False
    live = anon_client.get(url)
    settings.CACHE_ENABLED = True
    miss = anon_client.get(url)
    hits = cache_stats()["hits"]
    hit = anon_client.get(url)
    assert cache_stats()["hits"] == hits + 1
    assert live.content == miss.content == hit.content
    assert headers(live) == headers(miss) == headers(hit)
    assert hit["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware's
    assert hit["Referrer-Policy"] and hit["Cross-Origin-Opener-Policy"]


@pytest.mark.parametrize("path", PATHS)
def test_a_hit_gives_304_for_its_etag(anon_client, item, path):
    url = path.format(detail=f"/api/items/{item.pk}/")
    etag = anon_client.get(url)["ETag"]
    assert anon_client.get(url)["ETag"] == etag  # a hit now
    hits = cache_stats()["hits"]
    unchanged = anon_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert cache_stats()["hits"] == hits + 1
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert anon_client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_hsts_and_the_https_redirect_apply_to_hits(anon_client, settings, item):
    url = f"/api/items/{item.pk}/"
    anon_client.get(url, secure=True)
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    anon_client = APIClient()  # the middleware reads these settings when it is built
    hits = cache_stats()["hits"]
    redirected = anon_client.get(url)
    assert redirected.status_code == 301
    assert redirected["Location"] == f"https://testserver{url}"
    secure = anon_client.get(url, secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=3600")
    assert cache_stats()["hits"] == hits + 1  # the redirect went down the chain, not the hit


def test_what_a_lower_layer_refuses_is_refused_on_a_cached_path(anon_client, item):
    url = f"/api/items/{item.pk}/"
    assert anon_client.get(url).status_code == 200
    assert anon_client.get(url).status_code == 200  # cached
    bad_position = anon_client.get(url, HTTP_X_CATALOG_POSITION="not-a-position")
    assert bad_position.status_code == 400
    assert bad_position.json()["errors"][0]["attr"] == "X-Catalog-Position"
    assert anon_client.get(url, HTTP_HOST="evil.example").status_code == 400
    too_big = anon_client.generic("GET", url, "x" * 2_000_000, content_type="application/json")
    assert too_big.status_code == 413


def test_a_hit_checks_the_hosts_allowed_now(anon_client, settings, item):
    # The check is remembered per Host header: a change of ALLOWED_HOSTS must undo it.
    url = f"/api/items/{item.pk}/"
    settings.ALLOWED_HOSTS = ["catalog.example"]
    assert anon_client.get(url, HTTP_HOST="catalog.example").status_code == 200
    hits = cache_stats()["hits"]
    assert anon_client.get(url, HTTP_HOST="catalog.example").status_code == 200
    assert anon_client.get(url, HTTP_HOST="other.example").status_code == 400
    settings.ALLOWED_HOSTS = ["other.example"]
    assert anon_client.get(url, HTTP_HOST="catalog.example").status_code == 400
    assert anon_client.get(url, HTTP_HOST="other.example").status_code == 200
    assert cache_stats()["hits"] == hits + 2


def test_a_forwarded_host_is_checked_on_every_hit(anon_client, settings, item):
    url = f"/api/items/{item.pk}/"
    settings.ALLOWED_HOSTS = ["catalog.example"]
    settings.USE_X_FORWARDED_HOST = True
    assert anon_client.get(url, HTTP_HOST="catalog.example").status_code == 200
    assert anon_client.get(url, HTTP_HOST="catalog.example").status_code == 200  # cached
    forwarded = anon_client.get(
        url, HTTP_HOST="catalog.example", HTTP_X_FORWARDED_HOST="evil.example"
    )
    assert forwarded.status_code == 400


@pytest.mark.parametrize("path", PATHS)
def test_every_conditional_header_is_answered_on_a_hit(anon_client, item, path):
    url = path.format(detail=f"/api/items/{item.pk}/")
    etag = anon_client.get(url)["ETag"]
    assert anon_client.get(url, HTTP_IF_MATCH='"other"').status_code == 412
    assert anon_client.get(url, HTTP_IF_MATCH=etag).status_code == 200
    assert anon_client.get(url, HTTP_IF_NONE_MATCH="*").status_code == 304
    plain = anon_client.get(url)
    assert plain.status_code == 200 and plain["ETag"] == etag


def test_one_query_in_any_parameter_order_is_one_entry(anon_client, item):
    assert anon_client.get("/api/items/?category=livre&ordering=price").status_code == 200
    hits = cache_stats()["hits"]
    again = anon_client.get("/api/items/?ordering=price&category=livre")
    assert again.json()["results"][0]["name"] == "Lampe de bureau"
    assert cache_stats()["hits"] == hits + 1


@pytest.mark.parametrize("path", ["/api/items/?category=livre", "/api/items/search/?q=lampe"])
def test_a_format_in_the_query_is_never_answered_from_the_json_entry(anon_client, item, path):
    for _ in range(2):  # stored, then a hit: the query strings below are parsed afresh
        assert anon_client.get(path)["Content-Type"] == "application/json"
    browsable = anon_client.get(f"{path}&format=api")
    assert browsable.status_code == 200
    assert browsable["Content-Type"].startswith("text/html")
    assert anon_client.get(path)["Content-Type"] == "application/json"
