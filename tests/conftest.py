"""Shared fixtures: users of each kind, API clients, and the repository under test."""

from __future__ import annotations

import shutil

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog_cache.redis_core.guard import guard
from catalog_cache.redis_core.versions import bump_everything
from tests.support.clients import client_with
from tests.support.databases import ScratchDatabase
from tests.support.factories import UserFactory
from tests.support.redis_server import own_redis  # noqa: F401  (a fixture)
from tests.support.search_engine import counted, index  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True, scope="session")
def _search_index_of_this_run():
    """The run's own search index directory (tests/settings.py) goes with the run."""
    yield
    shutil.rmtree(django_settings.SEARCH_INDEX_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _response_cache(request, settings):
    """Each test starts with an empty response cache.

    Tests that roll back instead of committing never deliver ``item_changed`` (it waits for a
    commit), so a cache would serve them data their own writes made stale: they run with the
    cache off. Tests marked ``django_db(transaction=True)`` commit for real and keep it on;
    the cache's own tests are of that kind.
    """
    marker = request.node.get_closest_marker("django_db")
    commits = marker is not None and marker.kwargs.get("transaction", False)
    settings.CACHE_ENABLED = settings.CACHE_ENABLED and commits
    guard.reset()
    bump_everything()


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


@pytest.fixture
def other_user(db):
    return UserFactory(username="bob")


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def admin_client(client, staff):
    """Staff signed in to the admin with every permission on items (not a superuser)."""
    staff.user_permissions.set(Permission.objects.filter(codename__endswith="_item"))
    client.force_login(staff)
    return client


def _token_client(account) -> APIClient:
    token, _ = Token.objects.get_or_create(user=account)
    return client_with(token.key)


@pytest.fixture
def user_client(user) -> APIClient:
    return _token_client(user)


@pytest.fixture
def other_client(other_user) -> APIClient:
    return _token_client(other_user)


@pytest.fixture
def staff_client(staff) -> APIClient:
    return _token_client(staff)


@pytest.fixture
def scratch():
    """An empty database of its own on the test server, dropped afterwards."""
    database = ScratchDatabase()
    database.create()
    yield database
    database.drop()
