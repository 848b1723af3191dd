"""The repository under test: one run of the contract suite per backend.

MongoDB runs on a real server when MONGODB_URI is set, else on mongomock, which has no ``$text``
operator: there, and only there, the search tests (``test_search_*``) skip, naming it; so do
the tests marked ``needs_collation`` (mongomock ignores collations).
"""

import pytest

from items.repository.postgres import PostgresItemRepository
from tests.support.factories import (
    mongo_test_repository,
    skip_without_collation,
    skip_without_text_search,
)

BACKENDS = ["postgres", "mongodb"]


@pytest.fixture(params=BACKENDS)
def repository(request, db):
    if request.param == "postgres":
        return PostgresItemRepository()
    if request.param == "mongodb":
        if request.node.originalname.startswith("test_search"):
            skip_without_text_search()
        if request.node.get_closest_marker("needs_collation"):
            skip_without_collation()
        return mongo_test_repository()
    raise LookupError(request.param)


@pytest.fixture
def owner_id(db) -> int:
    """A real user's id: users stay in the relational database whatever the item backend."""
    from tests.support.factories import UserFactory

    return UserFactory().pk
