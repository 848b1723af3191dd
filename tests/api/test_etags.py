"""Optimistic concurrency: ETags, 304s, and If-Match writes that never silently overwrite."""

from __future__ import annotations

import http.client
import json
import threading
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from rest_framework.authtoken.models import Token

from tests.support.clients import detail
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db


def test_detail_has_an_etag_and_if_none_match_gives_304(anon_client):
    item = ItemFactory()
    first = anon_client.get(detail(item))
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert anon_client.get(detail(item), HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert anon_client.get(detail(item), HTTP_IF_NONE_MATCH='"other"').status_code == 200


@pytest.mark.django_db(transaction=True)
def test_cached_and_live_details_share_the_etag(anon_client, staff_client):
    item = ItemFactory()
    live, cached = anon_client.get(detail(item)), anon_client.get(detail(item))
    assert live["ETag"] == cached["ETag"]
    assert anon_client.get(detail(item), HTTP_IF_NONE_MATCH=live["ETag"]).status_code == 304
    changed = staff_client.patch(detail(item), {"price": "3.00"}, format="json")
    assert changed["ETag"] != live["ETag"]
    assert anon_client.get(detail(item), HTTP_IF_NONE_MATCH=live["ETag"]).status_code == 200
    assert anon_client.get(detail(item))["ETag"] == changed["ETag"]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_stale_if_match_gets_412_and_changes_nothing(staff_client, method):
    item = ItemFactory(price=Decimal("10.00"))
    stale = staff_client.get(detail(item))["ETag"]
    staff_client.patch(detail(item), {"price": "11.00"}, format="json")
    body = {"name": item.name, "price": "99.00", "category": item.category}
    response = getattr(staff_client, method)(detail(item), body, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert response.json()["errors"][0]["code"] == "precondition_failed"
    assert staff_client.get(detail(item)).json()["price"] == "11.00"


def test_a_current_if_match_or_star_lets_the_write_through(staff_client):
    item = ItemFactory()
    current = staff_client.get(detail(item))["ETag"]
    response = staff_client.patch(
        detail(item), {"price": "5.00"}, format="json", HTTP_IF_MATCH=current
    )
    assert response.status_code == 200
    starred = staff_client.patch(detail(item), {"price": "6.00"}, format="json", HTTP_IF_MATCH="*")
    assert starred.status_code == 200
    assert staff_client.delete(detail(item), HTTP_IF_MATCH=starred["ETag"]).status_code == 204


def _patch(base: str, path: str, token: str, etag: str, price: str) -> int:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {
        "Authorization": f"Token {token}",
        "Content-Type": "application/json",
        "If-Match": etag,
        "Accept": "application/json",
    }
    conn.request("PATCH", path, json.dumps({"price": price}), headers)
    status = conn.getresponse().status
    conn.close()
    return status


@pytest.mark.django_db(transaction=True)
def test_racing_writers_with_the_same_etag_never_both_win(live_server, staff, other_user):
    tokens = [Token.objects.create(user=u).key for u in (staff, other_user)]
    other_user.is_staff = True
    other_user.save()
    for round_number in range(20):
        item = ItemFactory(price=Decimal("1.00"))
        etag = _get_etag(live_server.url, detail(item))
        barrier, statuses = threading.Barrier(2), {}

        def write(n: int, path: str, etag: str, barrier=barrier, statuses=statuses) -> None:
            barrier.wait()
            statuses[n] = _patch(live_server.url, path, tokens[n], etag, f"{n + 2}.00")

        threads = [threading.Thread(target=write, args=(n, detail(item), etag)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(statuses.values()) == [200, 412], f"round {round_number}: {statuses}"
        winner = next(n for n, s in statuses.items() if s == 200)
        item.refresh_from_db()
        assert item.price == Decimal(f"{winner + 2}.00")


def _get_etag(base: str, path: str) -> str:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", path, headers={"Accept": "application/json"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.getheader("ETag")
