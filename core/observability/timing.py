"""Redis time spent per request: counted by the cache, read by whoever watches requests.

A leaf, as django-prometheus keeps its cache metrics: the cache's Redis guard, a floor above, adds
to it; the monitoring middleware opens a measurement around each request and reads it; neither
imports the other. Time spent outside a measurement (a background retry, a command) is not counted.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass
class CacheTime:
    """Seconds spent talking to Redis within one measurement."""

    seconds: float = 0.0


_current: contextvars.ContextVar[CacheTime | None] = contextvars.ContextVar(
    "cache_time", default=None
)


@contextlib.contextmanager
def measured() -> Iterator[CacheTime]:
    """Count the Redis time spent inside the block (one request) into the value yielded."""
    spent = CacheTime()
    token = _current.set(spent)
    try:
        yield spent
    finally:
        _current.reset(token)


def add_cache_time(seconds: float) -> None:
    """Charge Redis time to the measurement in progress, if any."""
    spent = _current.get()
    if spent is not None:
        spent.seconds += seconds
