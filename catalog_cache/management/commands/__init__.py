"""``manage.py`` commands of the cache.

- ``cache_stats``: hits, misses, keys and memory
- ``cache_clear``: every key of the response cache deleted
"""
