"""The one seam for item data: the contract (``contract``) and the factory that picks its backend.

Everything outside models, admin and migrations reads and writes items through the
``ItemRepository`` Protocol; ``DB_TYPE`` selects the backend, and this module is the one place
that names one. Each backend is a package that owns its internals:

- ``contract``: every Protocol family, and the optional capabilities (``Maintenance``,
  ``ReadPositions``) with ``capability`` to ask for one
- ``postgres``: ``PostgresItemRepository`` (ORM, full-text search, COPY, ORM receivers, read
  replicas)
- ``mongo``: ``MongoItemRepository`` (pymongo, documents, ``$jsonSchema``, ``$text`` search)
- ``highlights``, ``facets``, ``suggestions``: what both backends share: snippets as
  well-formed HTML, facet counts laid out, suggestions merged
- ``search_engine``: the embedded Tantivy index PostgreSQL's searches ask first (fed by a
  change table, answering only when fresh)

``read_positions`` reaches the backend's read replicas, when it has them (``ReadPositions``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from items.records import format_position, parse_position
from items.repository.contract import (
    ItemDiscovery,
    ItemHistory,
    ItemReads,
    ItemRepository,
    ItemTransfer,
    ItemWrites,
    Maintenance,
    ReadPositions,
    capability,
)

__all__ = [
    "BACKENDS",
    "ItemDiscovery",
    "ItemHistory",
    "ItemReads",
    "ItemRepository",
    "ItemTransfer",
    "ItemWrites",
    "Maintenance",
    "ReadPositions",
    "capability",
    "connect",
    "get_item_repository",
    "read_positions",
    "repository_for",
]

BACKENDS = ("postgres", "mongodb")

if TYPE_CHECKING:
    from items.repository.mongo import MongoItemRepository
    from items.repository.postgres import PostgresItemRepository

    # For the type checker: each backend holds to the capability it offers, as both hold to
    # ``ItemRepository`` in ``repository_for`` (``capability`` finds them at run time).
    def _postgres_offers(backend: PostgresItemRepository) -> ReadPositions:
        return backend

    def _mongodb_offers(backend: MongoItemRepository) -> Maintenance:
        return backend


@cache
def repository_for(backend: str) -> ItemRepository:
    """The repository of one backend (``postgres`` or ``mongodb``), whatever ``DB_TYPE`` says."""
    if backend == "mongodb":
        try:
            from items.repository.mongo import MongoItemRepository
        except ImportError as missing:
            raise ImproperlyConfigured(
                "DB_TYPE=mongodb needs pymongo; install the project (pip install -e .)."
            ) from missing
        return MongoItemRepository.from_settings()
    from items.repository.postgres import PostgresItemRepository

    return PostgresItemRepository()


def get_item_repository() -> ItemRepository:
    """The repository for the backend ``DB_TYPE`` selects."""
    return repository_for(settings.DB_TYPE)


def connect() -> None:
    """Wire the backends in at start (``ItemsConfig.ready``): the PostgreSQL backend's ORM
    receivers report changes to the items table (admin, ``loaddata``) whichever backend serves
    the API, and a misconfigured ``DB_TYPE`` fails now, not on a request."""
    from items.repository import postgres  # noqa: F401  (connects the receivers)

    get_item_repository()


class CurrentReadPositions:
    """The selected backend's ``ReadPositions``, checked before each use: a backend without
    them (MongoDB), or without replicas configured, reads everything from its one store, and
    then no position is ever asked for. Positions are spelt for clients one way whatever the
    backend (``records.format_position``)."""

    @staticmethod
    def _positions() -> ReadPositions | None:
        return capability(get_item_repository(), ReadPositions)

    def enabled(self) -> bool:
        positions = self._positions()
        return positions is not None and positions.replicas_enabled()

    def after_commit(self) -> int | None:
        """The position a replica must reach to see what was just committed."""
        positions = self._positions()
        return positions.commit_position() if positions is not None else None

    def read_at(
        self,
        position: int | None,
        read: Callable[[], Any],
        *,
        floor: int | None = None,
        clears: Callable[[int, Any], bool] | None = None,
    ) -> Any:
        """``read()`` where the data is at least as new as ``position`` (or only ``floor``, if
        ``clears`` says nothing since alters it: ``ReadPositions.read_at``)."""
        positions = self._positions()
        if positions is None:
            return read()
        return positions.read_at(position, read, floor=floor, clears=clears)

    def report(self) -> dict[str, dict]:
        positions = self._positions()
        return positions.replica_report() if positions is not None else {}

    @staticmethod
    def format(position: int) -> str:
        return format_position(position)

    @staticmethod
    def parse(text: str) -> int | None:
        return parse_position(text)


read_positions = CurrentReadPositions()
