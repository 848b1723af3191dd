"""A signed-in caller is recognised from Redis, with no database query, and a revocation (the
token deleted or rotated, its user deactivated, demoted, given a new password or deleted) is
refused on the very next request: on the cached path, on the view's, and on another server."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from catalog_cache.redis_core.guard import OPEN_SECONDS
from catalog_cache.responses.stats import cache_stats
from catalog_cache.sign_ins import holders
from items.api.authentication import holder_of
from tests.support.clients import client_with, detail
from tests.support.factories import ItemFactory, UserFactory
from tests.support.throttles import throttle_rate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def item():
    return ItemFactory(price=Decimal("10.00"))


@pytest.fixture
def token(user):
    return Token.objects.create(user=user)


def signed_in_and_cached(client, item) -> None:
    """The caller's holder and the item's entry are both in Redis: a read costs no query."""
    assert client.get(detail(item)).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail(item)).status_code == 200
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_a_signed_in_cached_read_costs_no_query(token, item):
    client = client_with(token.key)
    signed_in_and_cached(client, item)
    hits = cache_stats()["hits"]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail(item)).json()["price"] == "10.00"
        assert client.get("/api/items/").status_code == 200  # a miss: the view, no auth query
        assert client.get("/api/items/").status_code == 200
    assert cache_stats()["hits"] == hits + 2
    assert not [q for q in queries if "authtoken" in q["sql"] or "items_user" in q["sql"]]


def test_a_signed_in_hit_answers_as_the_view_would(token, item):
    client = client_with(token.key)
    by_the_view = client.get(detail(item))
    by_the_cache = client.get(detail(item))
    assert by_the_cache.content == by_the_view.content
    per_request = {"X-Request-ID", "Server-Timing"}
    assert {k: v for k, v in by_the_cache.headers.items() if k not in per_request} == {
        k: v for k, v in by_the_view.headers.items() if k not in per_request
    }


def _delete_token(user, token):
    token.delete()


def _rotate_token(user, token):
    token.delete()
    Token.objects.create(user=user)


def _deactivate(user, token):
    user.is_active = False
    user.save()


def _new_password(user, token):
    user.set_password("a-new-password-1234")
    user.save()


def _delete_user(user, token):
    user.delete()


REVOCATIONS = [_delete_token, _rotate_token, _deactivate, _new_password, _delete_user]


@pytest.mark.parametrize("revoke", REVOCATIONS, ids=lambda f: f.__name__.strip("_"))
def test_a_revocation_is_refused_on_the_very_next_request(revoke, user, token, item):
    client = client_with(token.key)
    signed_in_and_cached(client, item)
    revoke(user, token)
    assert client.get(detail(item)).status_code == 401  # the cached path
    assert client.get("/api/items/?page=2").status_code == 401  # the view's
    write = client.patch(detail(item), {"price": "1.00"}, format="json")
    assert write.status_code == 401


def test_a_rotated_token_works_at_once(user, token, item):
    client = client_with(token.key)
    signed_in_and_cached(client, item)
    _rotate_token(user, token)
    assert client_with(user.auth_token.key).get(detail(item)).status_code == 200


def test_a_demoted_staff_member_loses_the_staff_scope_at_once(staff):
    hidden = ItemFactory(is_active=False)
    client = client_with(Token.objects.create(user=staff).key)
    signed_in_and_cached(client, hidden)
    staff.is_staff = False
    staff.save()
    assert client.get(detail(hidden)).status_code == 404


def test_a_login_stamp_does_not_forget_the_holder(user, token, item):
    client = client_with(token.key)
    signed_in_and_cached(client, item)
    user.save(update_fields=["last_login"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail(item)).status_code == 200
    assert len(queries) == 0


def test_a_holder_read_before_a_revocation_is_not_stored_after_it(user, token, item):
    # A request looks the token up (version read), reads the database, and is slow to store
    # what it found: the revocation commits in between.
    recalled = holders.recall(token.key)
    found = holder_of(user)
    token.delete()
    holders.remember(recalled.key, found)
    assert client_with(token.key).get(detail(item)).status_code == 401


def test_a_revocation_lost_while_redis_was_away_is_still_refused(own_redis, user, token, item):
    client = client_with(token.key)
    signed_in_and_cached(client, item)
    own_redis.hide()
    token.delete()  # the version bump cannot reach Redis
    assert client.get(detail(item)).status_code == 401  # from the database meanwhile
    own_redis.show()
    time.sleep(OPEN_SECONDS + 0.1)
    assert client.get(detail(item)).status_code == 401


def test_without_redis_tokens_are_checked_in_the_database(own_redis, user, token, item):
    client = client_with(token.key)
    signed_in_and_cached(client, item)
    own_redis.kill()
    assert client.get(detail(item)).status_code == 200
    other = UserFactory(username="carol")
    assert client_with(Token.objects.create(user=other).key).get(detail(item)).status_code == 200
    token.delete()
    assert client.get(detail(item)).status_code == 401


def test_signed_in_hits_count_in_the_views_user_bucket(token, item):
    from rest_framework.throttling import UserRateThrottle

    client = client_with(token.key)
    with throttle_rate(UserRateThrottle, "user", "3/min"):
        served = [client.get(detail(item)).status_code for _ in range(3)]  # a miss, two hits
        refused_hit = client.get(detail(item))
        refused_miss = client.get("/api/items/")  # the view's throttle: the same bucket
        other = client_with(Token.objects.create(user=UserFactory(username="dan")).key)
        assert other.get(detail(item)).status_code == 200  # a bucket per user
    assert served == [200, 200, 200]
    assert refused_hit.status_code == refused_miss.status_code == 429
    assert refused_hit.json()["errors"][0]["code"] == "throttled"
    assert 0 < int(refused_hit["Retry-After"]) <= 60


def test_a_signed_in_hit_stays_one_redis_round_trip(token, item, monkeypatch):
    from redis.connection import AbstractConnection

    client = client_with(token.key)
    client.get(detail(item))
    sent, send = [], AbstractConnection.send_packed_command

    def counted(connection, command, *args, **options):
        sent.append(b"".join(command) if isinstance(command, list) else command)
        return send(connection, command, *args, **options)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    assert client.get(detail(item)).status_code == 200  # the script: the holder is learnt
    assert client.get(detail(item)).status_code == 200  # plain commands: it is predicted
    monkeypatch.undo()
    assert len(sent) == 2  # one round trip each
    assert b"EVALSHA" in sent[0] and b"EVALSHA" not in sent[1]


def test_a_signed_in_write_is_recognised_and_counted_in_one_round_trip(user, token, monkeypatch):
    """The token's holder and the request's count in the user's bucket come from one script;
    the view's throttle reads that count instead of asking Redis again, and still refuses."""
    import redis
    from rest_framework.throttling import UserRateThrottle

    item = ItemFactory(price=Decimal("10.00"), created_by=user)
    client = client_with(token.key)
    client.get(detail(item))  # the holder is stored
    sent, execute = [], redis.Redis.execute_command

    def counted(client, *args, **options):
        sent.append(args[0])
        return execute(client, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    with throttle_rate(UserRateThrottle, "user", "2/min"):
        sent.clear()  # what setting the rate sent
        first = client.patch(detail(item), {"price": "11.00"}, format="json")
        # The sign-in and its count, then the write's invalidation after its commit.
        assert sent == ["EVALSHA", "EVALSHA"], sent
        second = client.patch(detail(item), {"price": "12.00"}, format="json")
        refused = client.patch(detail(item), {"price": "13.00"}, format="json")
    assert [first.status_code, second.status_code, refused.status_code] == [200, 200, 429]
    assert 0 < int(refused["Retry-After"]) <= 60
    item.refresh_from_db()
    assert item.price == Decimal("12.00")  # the refused write changed nothing
