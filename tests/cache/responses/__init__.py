"""Cached responses: invalidation, scopes, hits, misses, concurrency, faults and hostile input."""
