"""App configuration for items: the one place that wires the rooms together at start."""

from django.apps import AppConfig


class ItemsConfig(AppConfig):
    """Items of the catalog and the users who own them."""

    name = "items"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from items.repository import get_item_repository, postgres  # noqa: F401

        # Importing the PostgreSQL backend connects its ORM receivers (admin, loaddata), which
        # report changes to the items table whichever backend serves the API.
        get_item_repository()  # a misconfigured DB_TYPE fails at start, not on a request
