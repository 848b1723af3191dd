"""Rate limits count clients by the address the network vouches for, not by what they claim."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from rest_framework.throttling import ScopedRateThrottle

from config.settings.env import env_proxies
from core.http.client_address import client_address
from tests.support.throttles import throttle_rate

pytestmark = pytest.mark.django_db
TOKEN = "/api/auth/token/"


def _token_attempts(client, forwarded_for: list[str]) -> list[int]:
    return [
        client.post(
            TOKEN,
            {"username": "alice", "password": f"guess-{n}"},
            format="json",
            HTTP_X_FORWARDED_FOR=address,
        ).status_code
        for n, address in enumerate(forwarded_for)
    ]


def test_a_new_forwarded_for_per_attempt_does_not_escape_the_token_rate(anon_client, user):
    rotating = [f"203.0.113.{n}" for n in range(50)]
    with throttle_rate(ScopedRateThrottle, "auth", "10/min"):
        codes = _token_attempts(anon_client, rotating)
    assert codes[:10] == [400] * 10
    assert set(codes[10:]) == {429}


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(anon_client, user, settings):
    settings.TRUSTED_PROXIES = 1
    # The proxy appends the address it saw; what the client put before it changes nothing.
    first = [f"198.51.100.{n}, 203.0.113.1" for n in range(4)]
    with throttle_rate(ScopedRateThrottle, "auth", "3/min"):
        assert _token_attempts(anon_client, first) == [400, 400, 400, 429]
        assert _token_attempts(anon_client, ["203.0.113.2"]) == [400]


def _request(remote: str, forwarded: str | None = None):
    extra = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "client"),
    [
        (0, "10.0.0.5", "1.2.3.4", "10.0.0.5"),  # nobody trusted: the header is ignored
        (1, "10.0.0.5", None, "10.0.0.5"),
        (1, "10.0.0.5", "6.6.6.6, 1.2.3.4", "1.2.3.4"),
        (2, "10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9", "1.2.3.4"),
        (2, "10.0.0.5", "1.2.3.4", "1.2.3.4"),
        (["10.0.0.0/8"], "10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9", "1.2.3.4"),
        (["10.0.0.0/8"], "192.0.2.7", "1.2.3.4", "192.0.2.7"),  # not from a trusted proxy
        (["10.0.0.0/8", "::1"], "::1", "10.0.0.2, 10.0.0.3", "10.0.0.2"),
    ],
)
def test_client_address(settings, trusted, remote, forwarded, client):
    settings.TRUSTED_PROXIES = trusted
    assert client_address(_request(remote, forwarded)) == client


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        ("", 0),
        ("2", 2),
        ("10.0.0.0/8, 2001:db8::/32,127.0.0.1", ["10.0.0.0/8", "2001:db8::/32", "127.0.0.1"]),
    ],
)
def test_trusted_proxies_are_a_count_or_addresses(monkeypatch, raw, read):
    monkeypatch.setenv("TRUSTED_PROXIES", raw)
    assert env_proxies("TRUSTED_PROXIES") == read


@pytest.mark.parametrize("raw", ["10.0.0.0/33", "proxy.internal", "-1", "\u00b2"])
def test_a_malformed_trusted_proxies_stops_the_start(monkeypatch, raw):
    monkeypatch.setenv("TRUSTED_PROXIES", raw)
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        env_proxies("TRUSTED_PROXIES")


def test_anonymous_callers_are_counted_once_by_the_anonymous_rate(anon_client, user_client):
    from rest_framework.throttling import UserRateThrottle

    # The signed-in rate is per user: an anonymous miss neither counts in it nor is held to it.
    with throttle_rate(UserRateThrottle, "user", "2/min"):
        codes = [anon_client.get("/api/items/", {"page": n}).status_code for n in range(1, 5)]
        assert set(codes) == {200, 404} and 429 not in codes
        signed_in = [user_client.get("/api/items/", {"page": n}).status_code for n in (1, 2, 3)]
        assert signed_in[2] == 429
