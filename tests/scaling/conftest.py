"""Fixtures of the scaling tests: a primary of their own (whatever ``DATABASE_URL`` names, see
tests/support/streaming.py), their scratch databases on it, and the streaming replica they
share (one per module, 400 ms behind)."""

from __future__ import annotations

import pytest

from tests.support.databases import ScratchDatabase
from tests.support.replica import streaming_replica
from tests.support.streaming import EmbeddedPrimary


@pytest.fixture(scope="session")
def primary():
    """The scaling tests' primary, started once and removed at the end of the run."""
    server = EmbeddedPrimary()
    try:
        yield server.start()
    finally:
        server.remove()


@pytest.fixture
def scratch(primary):
    """An empty database of its own on the scaling tests' primary, dropped afterwards."""
    database = ScratchDatabase(primary.server)
    database.create()
    yield database
    database.drop()


@pytest.fixture(scope="module")
def lagging_replica(primary):
    """A streaming replica of the primary, 400 ms behind it; removed afterwards."""
    with streaming_replica(400, primary.server) as replica:
        yield replica
