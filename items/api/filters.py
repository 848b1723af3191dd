"""Query parameters of the list and the search, validated at the edge into an ``ItemFilter``.

The views pass plain values down: the repository never sees a query string.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

from items import domain
from items.api.fields import FacetNamesField, PriceField, SearchTextField, TagsField
from items.records import SORT_FIELDS, ItemFilter, SortField, SortOrder, Viewer

ORDERING_CHOICES = [f"{prefix}{name}" for name in SORT_FIELDS for prefix in ("", "-")]
# A search's cost grows with its words (each one a probe of the search index, a ranking term
# and a highlight); people search with a handful. ``or`` joins terms and is not one.
MAX_QUERY_TERMS = 32
_TERM = re.compile(r"[^\W_]+")


class ItemListQuerySerializer(serializers.Serializer):
    """Query parameters of the item list: filters and ordering, validated at the edge."""

    category = serializers.ChoiceField(choices=domain.Category.choices, required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)
    min_price = PriceField(required=False)
    max_price = PriceField(required=False)
    tags = TagsField(required=False, help_text="Comma-separated tags (or the parameter repeated).")
    tags_match = serializers.ChoiceField(
        choices=["any", "all"], default="any", help_text="Match any of the tags, or all of them."
    )
    created_after = serializers.DateTimeField(required=False, help_text="Inclusive.")
    created_before = serializers.DateTimeField(required=False, help_text="Exclusive.")
    facets = FacetNamesField(required=False)
    ordering = serializers.ChoiceField(
        choices=ORDERING_CHOICES,
        default="created_at",
        help_text="Sort field, '-' for descending; ties are broken by id.",
    )

    blank_allowed: tuple[str, ...] = ("tags",)

    def to_internal_value(self, data: Any) -> dict:
        # A form would read "?category=" as "not given"; a query parameter that is present
        # must say something, so a blank one is refused, naming it.
        blank = [
            name
            for name, field in self.fields.items()
            if name not in self.blank_allowed
            and hasattr(data, "getlist")
            and any(value == "" for value in data.getlist(name))
            and not field.read_only
        ]
        if blank:
            raise serializers.ValidationError(
                {name: ["This field may not be blank."] for name in blank}
            )
        return super().to_internal_value(data)

    def to_filter(self, viewer: Viewer) -> ItemFilter:
        data = self.validated_data
        return ItemFilter(
            category=data.get("category"),
            is_active=data.get("is_active"),
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            tags=tuple(data.get("tags") or ()),
            tags_match=data["tags_match"],
            created_after=data.get("created_after"),
            created_before=data.get("created_before"),
            viewer=viewer,
        )

    @property
    def facet_names(self) -> list[str]:
        """The facets asked for (none unless ``facets`` is given)."""
        return self.validated_data.get("facets", [])

    @property
    def sort(self) -> tuple[SortField, SortOrder]:
        """(sort_by, sort_order) from ``ordering`` (one of ``ORDERING_CHOICES``)."""
        ordering = self.validated_data["ordering"]
        return ordering.lstrip("-"), "desc" if ordering.startswith("-") else "asc"


class ItemSearchQuerySerializer(ItemListQuerySerializer):
    """Query parameters of the search: the text plus the list filters."""

    blank_allowed = ("tags", "q")

    q = SearchTextField(
        allow_blank=True,
        help_text='Web-search syntax: words, "exact phrase", -exclude, or. Accents and case '
        "do not matter; close spellings are found when exact words find little. At most "
        f"{MAX_QUERY_TERMS} words (or aside).",
    )
    highlight = serializers.BooleanField(
        default=False, help_text="Add a snippet with the matched words marked."
    )
    ordering = None  # results come by relevance

    def validate_q(self, value: str) -> str:
        terms = [word for word in _TERM.findall(value) if word.lower() != "or"]
        if len(terms) > MAX_QUERY_TERMS:
            raise serializers.ValidationError(
                f"Search for at most {MAX_QUERY_TERMS} words (this query has {len(terms)})."
            )
        return value


class SuggestQuerySerializer(serializers.Serializer):
    """Query parameters of the suggestions: the prefix typed so far."""

    q = SearchTextField(
        min_length=1,
        max_length=domain.NAME_MAX_LENGTH,
        help_text="The start of a word or name, at least one letter; accents and case do not "
        "matter.",
    )
