"""Cached API responses: stored under the versions read before the database, served whole.

- ``middleware``: hits, anonymous or with a token, answered before the session and auth layers
- ``cached``: what the views cache (``cached_response``), under which key and scope, how long
- ``store``: one read per kind of caller, and the fill of a miss (coalesced by a lock)
- ``lookups``: entries read by script; ``plain_reads``: by plain commands under predicted
  versions; ``scripts``: their Lua
- ``keys``: the entries' keys, fill locks and query strings
- ``invalidation``: ``item_changed`` -> the items' versions bumped
- ``stats`` and ``views``: hits, misses and memory for staff, and emptying the cache
"""
