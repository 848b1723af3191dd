"""Caching of API responses in Redis, invalidated through the ``item_changed`` signal.

- ``middleware``: hits, anonymous or with a token, answered before the session and auth layers
- ``responses``: what the views cache, under which key and scope, for how long
- ``store``: versioned entries read in one round trip, coalesced misses, version bumps, and the
  rate-limit buckets (a hit is counted in the script that reads it); ``scripts``: its Lua
- ``sign_ins``: who holds an API token, kept in Redis until the token or its user changes
- ``keys``: every key format; ``receivers``: ``item_changed`` -> version bumps, token and user
  changes -> the tokens' holders forgotten
- ``redis_guard``: Redis failures turned into misses, lost invalidations retried
- ``throttling``: DRF throttles and login limits counted in Redis, behind the guard
- ``stats`` and ``views``: statistics for staff; ``timing``: Redis time per request

It sits between the API and the repository: it imports the domain's records and signals,
never the API.
"""
