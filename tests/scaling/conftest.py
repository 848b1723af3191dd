"""Fixtures of the scaling tests: the streaming replica they share (one per module)."""

from tests.support.replica import lagging_replica  # noqa: F401  (a fixture)
