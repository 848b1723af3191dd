"""App configuration for items: the one place that wires the rooms together at start."""

from django.apps import AppConfig
from django.conf import settings


class ItemsConfig(AppConfig):
    """Items of the catalog and the users who own them."""

    name = "items"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.observability import lent
        from items import repository

        repository.connect()

        def ping_store() -> None:
            store = repository.capability(repository.get_item_repository(), repository.Maintenance)
            if store is not None:
                store.ping()

        # What observability watches of the items: their MongoDB store when it holds them, and
        # PostgreSQL's read replicas.
        is_mongodb = lambda: settings.DB_TYPE == "mongodb"  # noqa: E731
        lent.lend_service(lent.Service("mongodb", ping_store, applies=is_mongodb))
        positions = repository.read_positions
        lent.lend_replicas(lambda: positions.report() if positions.enabled() else {})
