"""Caching of API responses in Redis, invalidated through the ``item_changed`` signal.

- ``middleware``: anonymous hits answered before the session and auth layers
- ``responses``: what the views cache, under which key, for how long
- ``store``: versioned entries read in one round trip, coalesced misses, version bumps, and the
  rate-limit buckets (an anonymous hit is counted in the script that reads it)
- ``keys``: every key format; ``receivers``: ``item_changed`` -> version bumps
- ``redis_guard``: Redis failures turned into misses, lost invalidations retried
- ``throttling``: DRF throttles and login limits counted in Redis, behind the guard
- ``stats`` and ``views``: statistics for staff; ``timing``: Redis time per request

It sits between the API and the repository: it imports the domain's records and signals,
never the API.
"""
