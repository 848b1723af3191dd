"""The repository under test: one run of the contract suite per backend."""

import pytest

from items.repository.postgres import PostgresItemRepository

BACKENDS = ["postgres"]


@pytest.fixture(params=BACKENDS)
def repository(request, db):
    if request.param == "postgres":
        return PostgresItemRepository()
    raise LookupError(request.param)


@pytest.fixture
def owner_id(db) -> int:
    """A real user's id: users stay in the relational database whatever the item backend."""
    from tests.factories import UserFactory

    return UserFactory().pk
