"""App configuration for items."""

from django.apps import AppConfig


class ItemsConfig(AppConfig):
    """Items of the catalog and the users who own them."""

    name = "items"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from items import signals  # noqa: F401  (connects the model receivers)
        from items.repository import get_item_repository

        get_item_repository()  # a misconfigured DB_TYPE fails at start, not on a request
