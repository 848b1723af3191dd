"""An index of each test's own, and a counter of the engine's answers."""

from __future__ import annotations

import pytest

from tests.support.search_engine import Counted, TestIndex


@pytest.fixture
def index(settings, tmp_path):
    """The engine on, with an index directory of the test's own (not built yet)."""
    settings.SEARCH_ENGINE = "tantivy"
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    made = TestIndex(settings.SEARCH_INDEX_DIR)
    yield made
    made.close()


@pytest.fixture
def counted() -> Counted:
    return Counted()
