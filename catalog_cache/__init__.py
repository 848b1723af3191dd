"""What Redis does for the catalog: one room per concept over a shared Redis core.

- ``redis_core``: the guard every Redis call goes through, the shared keys, Lua's common pieces
  and the version counters every invalidation bumps
- ``responses``: cached API responses (hits before the view, fills, invalidation, stats)
- ``rates``: DRF throttles and the sign-in forms' limit, counted in Redis
- ``sign_ins``: who holds an API token, known without the database until it changes
- ``positions``: read-your-writes and replica-safe fills by WAL position (read replicas)
- ``scopes``: which callers may read an entry, named after what they may see
- ``observed``: what the cache lends observability (its Redis, its hit counters)
- ``apps``, ``management``: start-up wiring and the operators' commands

It sits between the API and the repository: it imports the domain's records, conditions and
signals, and the repository's read positions, never the API.
"""
