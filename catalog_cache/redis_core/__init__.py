"""The Redis every room of the cache shares: reached through one guard, keyed one way.

- ``guard``: every call, its failures turned into defaults, lost invalidations retried
- ``keys``: the shared keys (epoch, versions, stats) and how a key under versions is spelt
- ``scripts``: what every Lua script shares (``CLOCK``), and running scripts by digest
- ``versions``: version counters bumped after a commit (the one way anything is invalidated)
"""

from django.conf import settings


def enabled() -> bool:
    """Whether the cache is on (``CACHE_ENABLED``)."""
    return settings.CACHE_ENABLED
