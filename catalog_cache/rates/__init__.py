"""Rate limits counted in Redis, shared by every worker, behind the Redis guard.

- ``buckets``: a sliding window per client, counted atomically (``take``, and the Lua the
  cache's read scripts count hits with)
- ``throttles``: DRF's throttles on those buckets, and what the cache's hit path needs of them
- ``logins``: the HTML sign-in forms held to the token endpoint's rate
"""
