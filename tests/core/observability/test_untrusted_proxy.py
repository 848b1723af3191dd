"""Behind a proxy nobody declared (issue 29, item 11): requests from a loopback or private
address carrying ``X-Forwarded-For`` while ``TRUSTED_PROXIES`` is unset mean every client behind
it shares the proxy's rate. That is said once in the log and in ``/ready/``'s details."""

from __future__ import annotations

import logging

import pytest

from core.http import client_address

pytestmark = pytest.mark.django_db(transaction=True)
LOGGER = "catalog.client_address"


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    monkeypatch.setattr(client_address, "_untrusted_proxy", None)


def warnings_logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


@pytest.mark.parametrize("proxy", ["127.0.0.1", "10.0.3.7", "::1"])
def test_a_proxy_nobody_trusts_is_reported_once(anon_client, caplog, proxy):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    for client in ("203.0.113.7", "198.51.100.9", "203.0.113.7"):
        response = anon_client.get("/api/items/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=client)
        assert response.status_code == 200
    [logged] = warnings_logged(caplog)
    assert proxy in logged and "TRUSTED_PROXIES" in logged
    ready = anon_client.get("/ready/").json()
    assert ready["status"] == "ready"  # a warning, not a fault
    assert ready["warnings"] == {"untrusted_proxy": logged}
    anon_client.get("/api/items/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert len(warnings_logged(caplog)) == 1


def test_nothing_is_said_for_a_public_client_or_a_trusted_proxy(anon_client, caplog, settings):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    anon_client.get("/api/items/", REMOTE_ADDR="8.8.8.8", HTTP_X_FORWARDED_FOR="203.0.113.7")
    anon_client.get("/api/items/", REMOTE_ADDR="127.0.0.1")  # no header: no proxy in front
    settings.TRUSTED_PROXIES = 1
    anon_client.get("/api/items/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert warnings_logged(caplog) == []
    assert "warnings" not in anon_client.get("/ready/").json()


def test_the_warning_leaves_ready_once_the_proxy_is_trusted(anon_client, settings):
    anon_client.get("/api/items/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert "warnings" in anon_client.get("/ready/").json()
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert "warnings" not in anon_client.get("/ready/").json()
