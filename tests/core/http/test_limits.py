"""Oversized and hostile bodies are refused with a 4xx in the usual shape, never a 500."""

from __future__ import annotations

import pytest
from django.conf import settings

from items.models import Item
from tests.support.throttles import throttle_rate

pytestmark = pytest.mark.django_db
GOOD = '{"name": "Lampe", "price": "1.00", "category": "autre"}'


def test_a_body_over_the_limit_gets_413(user_client):
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    body = GOOD[:-1] + f', "description": "{padding}"}}'
    response = user_client.post("/api/items/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "payload_too_large"
    assert not Item.objects.exists()


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_is_refused(user_client, depth):
    body = "[" * depth + "]" * depth
    response = user_client.post("/api/items/", body, content_type="application/json")
    assert response.status_code == 400
    assert not Item.objects.exists()


def test_a_huge_tag_list_is_refused_naming_tags(user_client):
    tags = ",".join(f'"t{n}"' for n in range(50_000))
    response = user_client.post(
        "/api/items/", GOOD[:-1] + f', "tags": [{tags}]}}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "tags"


def test_the_token_endpoint_is_rate_limited(anon_client, user):
    from rest_framework.throttling import ScopedRateThrottle

    with throttle_rate(ScopedRateThrottle, "auth", "3/min"):
        codes = [
            anon_client.post(
                "/api/auth/token/", {"username": "alice", "password": "wrong"}, format="json"
            ).status_code
            for _ in range(4)
        ]
    assert codes == [400, 400, 400, 429]


@pytest.mark.parametrize("path", ["/admin/login/", "/api-auth/login/"])
def test_login_forms_are_rate_limited(client, path):
    from catalog_cache.rates.logins import LoginThrottle

    with throttle_rate(LoginThrottle, "auth", "3/min"):
        codes = [
            client.post(path, {"username": "x", "password": "wrong"}).status_code for _ in range(4)
        ]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
