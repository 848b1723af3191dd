"""Through the real HTTP stack: no read returns a value older than a write that has returned,
and a burst of identical misses costs one database query."""

from __future__ import annotations

import http.client
import json
import threading
import time
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from rest_framework.authtoken.models import Token

from items.repository.postgres import PostgresItemRepository
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)
WRITES = 2000


def _request(base: str, method: str, path: str, body: dict | None = None, token: str = ""):
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    connection.request(method, path, json.dumps(body) if body else None, headers)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, json.loads(payload) if payload else None


def test_no_read_is_older_than_a_returned_write(live_server, staff):
    item = ItemFactory(name="Compteur", price=Decimal("0.00"))
    token = Token.objects.create(user=staff).key
    base, returned, stop = live_server.url, [0], threading.Event()
    stale, reads, errors = [], [0], []

    def writer() -> None:
        for n in range(1, WRITES + 1):
            status, _ = _request(
                base, "PATCH", f"/api/items/{item.pk}/", {"price": f"{n}.00"}, token
            )
            if status != 200:
                errors.append(status)
            returned[0] = n
        stop.set()

    def reader(path: str, price_of) -> None:
        while not stop.is_set():
            floor = returned[0]
            status, body = _request(base, "GET", path)
            if status != 200:
                errors.append(status)
                continue
            reads[0] += 1
            seen = int(Decimal(price_of(body)))
            if seen < floor:
                stale.append((path, seen, floor))

    readers = [
        threading.Thread(target=reader, args=(f"/api/items/{item.pk}/", lambda b: b["price"])),
        threading.Thread(target=reader, args=("/api/items/", lambda b: b["results"][0]["price"])),
        threading.Thread(
            target=reader,
            args=("/api/items/search/?q=compteur", lambda b: b["results"][0]["price"]),
        ),
    ]
    threads = [threading.Thread(target=writer), *readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    print(f"\nstress: {WRITES} writes, {reads[0]} reads, {len(stale)} stale reads")
    assert not errors
    assert returned[0] == WRITES
    assert reads[0] > WRITES / 4
    assert stale == []


def test_a_burst_of_identical_misses_costs_one_query(live_server, monkeypatch):
    ItemFactory(name="Lampe")
    calls, real_search_page = [], PostgresItemRepository.search_page

    def slow_search_page(self, *args, **kwargs):
        calls.append(1)
        time.sleep(0.3)  # an expensive query: the burst arrives while it runs
        return real_search_page(self, *args, **kwargs)

    monkeypatch.setattr(PostgresItemRepository, "search_page", slow_search_page)
    barrier, bodies = threading.Barrier(8), []

    def ask() -> None:
        barrier.wait()
        bodies.append(_request(live_server.url, "GET", "/api/items/search/?q=lampe"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(bodies) == 8
    assert all(status == 200 and body["count"] == 1 for status, body in bodies)
    assert len(calls) == 1
