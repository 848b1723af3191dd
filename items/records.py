"""Plain values that cross the repository seam: records out, filters and item data in."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

SortField = Literal["name", "price", "created_at", "updated_at"]
SortOrder = Literal["asc", "desc"]
TagsMatch = Literal["any", "all"]
SORT_FIELDS: tuple[str, ...] = ("name", "price", "created_at", "updated_at")
WRITABLE_FIELDS: tuple[str, ...] = (
    "name",
    "description",
    "price",
    "category",
    "tags",
    "is_active",
)


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """One item as every backend returns it."""

    id: uuid.UUID
    name: str
    description: str
    price: Decimal
    category: str
    tags: tuple[str, ...]
    is_active: bool
    created_at: datetime
    updated_at: datetime
    created_by_id: int | None

    def sort_value(self, sort_by: str) -> Any:
        """The value this record is ordered by under ``sort_by``."""
        return getattr(self, sort_by)


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One window of ranked search results, how many items match in all, and the query that
    ran instead of the one asked for when misspelt words were corrected (else None).

    When ``total_exact`` is False, the window was found without counting every match (many
    match, see the repository's ``search_page``) and ``total`` is how many match at least.
    """

    records: list[ItemRecord]
    total: int
    corrected: str | None = None
    total_exact: bool = True


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking: what they may see and change is ruled in ``items.conditions``."""

    user_id: int | None = None
    is_staff: bool = False


STAFF = Viewer(is_staff=True)
ANONYMOUS = Viewer()


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """Conditions a list must meet; every field is optional and they combine with AND."""

    category: str | None = None
    is_active: bool | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    tags: tuple[str, ...] = ()
    tags_match: TagsMatch = "any"
    created_after: datetime | None = None
    created_before: datetime | None = None
    # Nobody in particular unless said: a filter built without a viewer sees what anyone may.
    viewer: Viewer = field(default=ANONYMOUS)


@dataclass(frozen=True, slots=True)
class Cursor:
    """A keyset position: items strictly after (or, reversed, before) this sort value and id."""

    value: Any
    id: uuid.UUID
    reverse: bool = False


@dataclass(frozen=True, slots=True)
class ItemData:
    """The writable fields of a new item."""

    name: str
    price: Decimal
    category: str
    description: str = ""
    tags: tuple[str, ...] = ()
    is_active: bool = True


# The fields a search matches, ranks and corrects words from, and suggestions complete from.
SEARCHED_FIELDS: tuple[str, ...] = ("name", "description", "tags")
# Facets a list or search can count, by name: each counts over the filtered result with its own
# filter left out (category: ``category``; tags: ``tags``; price: ``min_price``/``max_price``).
FACET_NAMES: tuple[str, ...] = ("category", "tags", "price")
TOP_TAGS = 20  # the tags facet's length: the most frequent tags
SUGGESTIONS_MAX = 10


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet (a category, a tag, a price band's key) and its item count."""

    value: str
    count: int


Facets = dict[str, list[FacetValue]]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A completion of a typed prefix: an item's name, or a word of the catalog's vocabulary."""

    text: str
    kind: Literal["name", "word"]


RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ItemRecord))
# Judges the current record of an item about to change, under the write's lock: raises to stop
# the write (the API's visibility, permission and If-Match rules).
RecordCheck = Callable[[ItemRecord], None]


class ItemConflict(RuntimeError):
    """The item changed since the version the caller expected (optimistic concurrency)."""


class InvalidItem(ValueError):
    """Item data broke a rule; ``errors`` maps each field at fault to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of one change: its value before and after (``None`` where there was none)."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One change to an item: when, what kind, by whom (``None``: the system), which fields."""

    item_id: uuid.UUID
    at: datetime
    kind: Literal["created", "changed", "deleted"]
    user_id: int | None
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One checked row of an import: a new item (no ``item_id``: ``data``, the model's defaults
    for what the file leaves out) or an existing one (``changes``: only the fields the file
    gives; the others keep their values)."""

    item_id: uuid.UUID | None
    data: ItemData | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def new_item(self) -> ItemData:
        """What a row without an id creates."""
        assert self.data is not None, "a row with an id changes an item, it creates none"
        return self.data


# A read position (read replicas) as clients see it: PostgreSQL's spelling of a WAL position.
_POSITION = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")


def format_position(position: int) -> str:
    """A read position as clients send it back (``X-Catalog-Position``): ``16/B374D848``."""
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


def parse_position(text: str) -> int | None:
    """The position ``text`` spells, or None when it is not one."""
    match = _POSITION.match(text.strip())
    return None if match is None else (int(match[1], 16) << 32) | int(match[2], 16)
