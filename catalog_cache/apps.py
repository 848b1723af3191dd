"""App configuration for the cache: its receivers connected, and what it lends observability."""

from django.apps import AppConfig


class CatalogCacheConfig(AppConfig):
    """Response cache for items, kept current by versioned keys."""

    name = "catalog_cache"

    def ready(self) -> None:
        from catalog_cache import observed, receivers  # noqa: F401  (connects item_changed)

        observed.lend()
