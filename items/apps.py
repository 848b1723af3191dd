"""App configuration for items: the one place that wires the rooms together at start."""

from django.apps import AppConfig
from django.conf import settings


class ItemsConfig(AppConfig):
    """Items of the catalog and the users who own them."""

    name = "items"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.observability import lent
        from items.repository import get_item_repository, postgres, read_positions  # noqa: F401

        # Importing the PostgreSQL backend connects its ORM receivers (admin, loaddata), which
        # report changes to the items table whichever backend serves the API.
        get_item_repository()  # a misconfigured DB_TYPE fails at start, not on a request
        lent.lend_service(
            lent.Service(
                "mongodb",
                lambda: get_item_repository().ping(),
                applies=lambda: settings.DB_TYPE == "mongodb",
            )
        )
        lent.lend_replicas(lambda: read_positions.report() if read_positions.enabled() else {})
