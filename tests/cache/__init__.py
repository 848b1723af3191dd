"""The response cache: invalidation, concurrency, Redis faults, hostile input."""
