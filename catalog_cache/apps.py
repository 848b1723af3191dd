"""App configuration for the cache: its receivers connected, and what it lends observability."""

from django.apps import AppConfig


class CatalogCacheConfig(AppConfig):
    """Response cache for items, kept current by versioned keys."""

    name = "catalog_cache"

    def ready(self) -> None:
        from catalog_cache import observed
        from catalog_cache.responses import invalidation  # noqa: F401  (connects item_changed)
        from catalog_cache.sign_ins import receivers  # noqa: F401  (connects token and user changes)

        observed.lend()
