"""What a reviewer tried against the cache and the pages: none of it may 500 or serve stale."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import uuid
from decimal import Decimal

import pytest

from catalog_cache.redis_core import keys
from catalog_cache.redis_core.guard import RETRY_SECONDS, guard, run
from catalog_cache.responses.stats import cache_stats
from tests.support.factories import ItemFactory
from tests.support.throttles import throttle_rate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("form", ["hex", "braces", "urn"])
def test_any_uuid_spelling_is_served_never_500(anon_client, user_client, form):
    item = ItemFactory()
    spelled = {"hex": item.pk.hex, "braces": f"{{{item.pk}}}", "urn": item.pk.urn}[form]
    for client in (anon_client, user_client, anon_client):
        response = client.get(f"/api/items/{spelled}/")
        assert response.status_code == 200
        assert response.json()["id"] == str(item.pk)


@pytest.mark.parametrize(
    "path",
    [
        "/api/items.json",
        f"/api/items/{uuid.uuid4()}.json",
        "/api/items/" + "a" * 36 + "/",
        "/api/items/" + "-" * 36 + "/",
        "/api/items/search.json?q=x",
    ],
)
def test_odd_paths_are_404_never_500(anon_client, path):
    # APPEND_SLASH may redirect first; wherever it lands, it is "not found".
    assert anon_client.get(path, follow=True).status_code == 404


def _cursor(ordering: str, value: object, item_id: str) -> str:
    raw = json.dumps([ordering, value, item_id, False]).encode()
    return base64.urlsafe_b64encode(raw).decode()


@pytest.mark.parametrize(
    ("ordering", "value"),
    [
        ("name", "a\x00b"),
        ("price", "NaN"),
        ("price", "sNaN"),
        ("price", "1e999999"),
        ("name", None),
        ("created_at", "yesterday"),
        ("price", 12),
    ],
)
def test_forged_cursor_values_get_400(anon_client, ordering, value):
    ItemFactory()
    token = _cursor(ordering, value, str(uuid.uuid4()))
    response = anon_client.get("/api/items/", {"ordering": ordering, "cursor": token})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "cursor"


def test_a_next_link_whose_items_went_away_gives_an_empty_page(anon_client, staff_client):
    first, second = ItemFactory(price=Decimal("1")), ItemFactory(price=Decimal("2"))
    page = anon_client.get("/api/items/", {"ordering": "price", "page_size": 1, "cursor": ""})
    assert page.json()["results"][0]["id"] == str(first.pk)
    staff_client.delete(f"/api/items/{second.pk}/")
    after = anon_client.get(page.json()["next"])
    assert after.status_code == 200
    assert after.json()["results"] == [] and after.json()["next"] is None


def test_repeated_parameters_in_another_order_are_other_queries(anon_client):
    ItemFactory(name="Alpha")
    ItemFactory(name="Beta")

    def names(query: str) -> list[str]:
        return [i["name"] for i in anon_client.get(f"/api/items/?{query}").json()["results"]]

    assert names("ordering=name&ordering=-name") == ["Beta", "Alpha"]  # the last one wins
    assert names("ordering=-name&ordering=name") == ["Alpha", "Beta"]


def test_deleting_an_owner_shows_at_once_in_cached_items(anon_client, user):
    item = ItemFactory(created_by=user)
    assert anon_client.get(f"/api/items/{item.pk}/").json()["created_by"] == user.pk
    anon_client.get("/api/items/")
    user.delete()
    assert anon_client.get(f"/api/items/{item.pk}/").json()["created_by"] is None
    assert anon_client.get("/api/items/").json()["results"][0]["created_by"] is None


def test_version_counters_expire(anon_client):
    probe = uuid.uuid4()
    anon_client.get(f"/api/items/{probe}/")
    ttl = run(lambda c: c.pttl(keys.item_version_key(probe)))
    assert 0 < ttl <= 2 * 300 * 1000


def test_a_lost_invalidation_is_retried_until_redis_answers(own_redis, anon_client, staff_client):
    item = ItemFactory(price=Decimal("10.00"))
    detail = f"/api/items/{item.pk}/"
    anon_client.get(detail)
    epoch = run(lambda c: c.get(keys.epoch_key()))
    own_redis.hide()
    assert staff_client.patch(detail, {"price": "12.00"}, format="json").status_code == 200
    assert guard.lost >= 1
    own_redis.show()
    deadline = time.monotonic() + 5 * RETRY_SECONDS
    while guard.lost and time.monotonic() < deadline:  # no request needed: a thread retries
        time.sleep(0.1)
    assert guard.lost == 0
    assert run(lambda c: c.get(keys.epoch_key())) != epoch


def test_a_redis_that_answers_garbage_fails_no_request(anon_client, user_client, settings):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]

    def answer_garbage() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            conn.close()

    threading.Thread(target=answer_garbage, daemon=True).start()
    caches = {**settings.CACHES}
    caches["default"] = {**caches["default"], "LOCATION": f"redis://127.0.0.1:{port}/0"}
    settings.CACHES = caches
    try:
        ItemFactory()
        for client in (anon_client, user_client):
            assert client.get("/api/items/").status_code == 200
    finally:
        server.close()


def test_metric_labels_stay_bounded(anon_client, staff):
    from rest_framework.authtoken.models import Token

    for n in range(3):
        anon_client.generic(f"X{n}RANDOM", "/api/items/")
    token = Token.objects.create(user=staff).key
    body = anon_client.get("/metrics", HTTP_AUTHORIZATION=f"Token {token}").content.decode()
    assert "RANDOM" not in body and 'method="other"' in body


def test_a_disallowed_host_gets_400_on_a_hit_as_on_a_miss(anon_client):
    item = ItemFactory()
    paths = [f"/api/items/{item.pk}/", "/api/items/", "/api/items/search/?q=x"]
    for path in paths:
        anon_client.get(path)
        assert anon_client.get(path).status_code == 200  # a hit
    for path in paths:
        assert anon_client.get(path, HTTP_HOST="evil.example").status_code == 400


def test_cached_anonymous_reads_count_in_the_views_anonymous_bucket(anon_client):
    from rest_framework.throttling import AnonRateThrottle

    item = ItemFactory()
    detail = f"/api/items/{item.pk}/"
    with throttle_rate(AnonRateThrottle, "anon", "3/min"):
        served = [anon_client.get(detail).status_code for _ in range(3)]  # a miss, two hits
        refused_hit = anon_client.get(detail)
        refused_miss = anon_client.get("/api/items/")  # the view's throttle: the same bucket
    assert served == [200, 200, 200]
    assert refused_hit.status_code == refused_miss.status_code == 429
    assert refused_hit.json()["type"] == refused_miss.json()["type"] == "client_error"
    assert refused_hit.json()["errors"][0]["code"] == "throttled"
    assert 0 < int(refused_hit["Retry-After"]) <= 60


def test_a_hit_stays_one_redis_round_trip(anon_client, monkeypatch):
    from redis.connection import AbstractConnection

    item = ItemFactory()
    detail = f"/api/items/{item.pk}/"
    anon_client.get(detail)
    assert anon_client.get(detail).status_code == 200  # a hit: this process knows the versions
    sent, send = [], AbstractConnection.send_packed_command

    def counted(connection, command, *args, **options):
        sent.append(b"".join(command) if isinstance(command, list) else command)
        return send(connection, command, *args, **options)

    hits = cache_stats()["hits"]
    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    assert anon_client.get(detail).status_code == 200
    monkeypatch.undo()
    assert len(sent) == 1  # one round trip
    assert b"EVALSHA" not in sent[0]  # of plain commands: a script costs Redis more
    assert cache_stats()["hits"] == hits + 1
