"""Rate limits a test sets low, starting from empty buckets."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from catalog_cache.rates.buckets import throttle_key
from catalog_cache.redis_core.guard import run


@contextlib.contextmanager
def throttle_rate(throttle: type, scope: str, rate: str) -> Iterator[None]:
    """Run with the ``scope`` rate of ``throttle`` set to ``rate``, every bucket emptied."""
    from rest_framework.settings import api_settings

    original = throttle.THROTTLE_RATES
    throttle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, scope: rate}
    run(lambda c: [c.delete(k) for k in c.scan_iter(throttle_key("*"))])
    try:
        yield
    finally:
        throttle.THROTTLE_RATES = original
