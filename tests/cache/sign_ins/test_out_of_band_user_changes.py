"""A change to a user that Django's signals never hear of (``QuerySet.update()``, raw SQL,
another service sharing the database) reaches cached sign-ins within ``CACHE_SIGN_IN_TTL``
(30 s by default; shortened here), on the plain-command hit path as on the script's and the
view's (issue 29, item 2)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import override_settings
from django_redis import get_redis_connection
from rest_framework.authtoken.models import Token

from catalog_cache.responses import plain_reads
from catalog_cache.sign_ins import holders
from items.models import User
from tests.support.clients import client_with, detail
from tests.support.factories import ItemFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
WINDOW = 1  # seconds: the test's CACHE_SIGN_IN_TTL


def predicted(token: str) -> bool:
    """Whether this process reads the token's hits in plain commands (``plain_reads``)."""
    return holders.token_version_key(holders.token_digest(token)) in plain_reads._callers


def served_from_redis(client, item) -> None:
    for _ in range(3):  # a miss, the script's hit, then plain commands
        assert client.get(detail(item)).status_code == 200


def test_a_holder_is_kept_at_most_30_seconds_by_default(user):
    assert settings.CACHE_SIGN_IN_TTL <= 30
    token = Token.objects.create(user=user)
    client_with(token.key).get("/api/items/")
    key = holders.recall(token.key).key
    ttl = get_redis_connection("default").ttl(key)
    assert 0 < ttl <= 30, ttl


@override_settings(CACHE_SIGN_IN_TTL=WINDOW)
def test_a_user_deactivated_by_update_loses_access_within_the_window(user):
    hidden = ItemFactory(is_active=False, created_by=user)
    token = Token.objects.create(user=user)
    client = client_with(token.key)
    served_from_redis(client, hidden)
    assert predicted(token.key)
    User.objects.filter(pk=user.pk).update(is_active=False)  # no signal: no revocation
    time.sleep(WINDOW + 0.5)
    assert client.get(detail(hidden)).status_code == 401  # the cached path, plain commands
    assert client.get("/api/items/?page=1").status_code == 401  # the view's


@override_settings(CACHE_SIGN_IN_TTL=WINDOW)
def test_a_staff_member_demoted_by_update_loses_the_staff_scope_within_the_window():
    staff = UserFactory(username="dora", is_staff=True)
    hidden = ItemFactory(is_active=False, created_by=UserFactory(username="eve"))
    token = Token.objects.create(user=staff)
    client = client_with(token.key)
    served_from_redis(client, hidden)
    assert predicted(token.key)
    User.objects.filter(pk=staff.pk).update(is_staff=False)
    time.sleep(WINDOW + 0.5)
    assert client.get(detail(hidden)).status_code == 404
    listed = client.get("/api/items/", {"is_active": "false"}).json()["results"]
    assert str(hidden.pk) not in [row["id"] for row in listed]


@override_settings(CACHE_SIGN_IN_TTL=WINDOW)
def test_an_unchanged_user_is_vouched_for_again_after_the_window(user):
    item = ItemFactory()
    token = Token.objects.create(user=user)
    client = client_with(token.key)
    served_from_redis(client, item)
    time.sleep(WINDOW + 0.5)
    served_from_redis(client, item)
    assert predicted(token.key)
