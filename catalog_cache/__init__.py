"""Caching of API responses in Redis, invalidated through the ``item_changed`` signal."""
