"""API serializers: input (what a client may send) kept apart from output (what it gets)."""

from __future__ import annotations

from typing import Any

from django.utils.datastructures import MultiValueDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from items import domain
from items.records import SORT_FIELDS, ItemData, ItemFilter, Viewer

_PRICE = {
    "max_digits": domain.PRICE_MAX_DIGITS,
    "decimal_places": domain.PRICE_DECIMAL_PLACES,
}


class TagsField(serializers.ListField):
    """A list of tags: a JSON array, or one comma-separated string (HTML forms, query strings)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", serializers.CharField(max_length=domain.TAG_MAX_LENGTH))
        kwargs.setdefault("max_length", domain.TAGS_MAX_COUNT)
        kwargs.setdefault("style", {"base_template": "input.html"})
        kwargs.setdefault("help_text", "Tags; in forms and query strings, comma-separated.")
        super().__init__(**kwargs)

    def get_value(self, dictionary: Any) -> Any:
        if isinstance(dictionary, MultiValueDict) and self.field_name in dictionary:
            values = dictionary.getlist(self.field_name)
            return [tag for value in values for tag in value.split(",")]
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> list[str]:
        if isinstance(data, str):
            data = data.split(",")
        return domain.normalise_tags(super().to_internal_value(data))


class ItemSerializer(serializers.Serializer):
    """An item as the API shows it (read from an ``ItemRecord``)."""

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    price = serializers.DecimalField(read_only=True, **_PRICE)
    category = serializers.ChoiceField(choices=domain.Category.choices, read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    created_by = serializers.IntegerField(
        source="created_by_id",
        read_only=True,
        allow_null=True,
        help_text="Owner's user id; null when the catalog owns the item.",
    )


class ItemSearchResultSerializer(ItemSerializer):
    """A search hit: the item, plus a snippet with the matched words when ``highlight=1``."""

    highlight = serializers.SerializerMethodField(
        help_text="HTML-escaped name and description excerpt, matches in <mark>; "
        "null unless highlight=1."
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_highlight(self, record: Any) -> str | None:
        return self.context.get("highlights", {}).get(record.id)


class ItemInputSerializer(serializers.Serializer):
    """The fields a client writes when creating or changing an item."""

    name = serializers.CharField(max_length=domain.NAME_MAX_LENGTH)
    description = serializers.CharField(
        max_length=domain.DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False, default=""
    )
    price = serializers.DecimalField(min_value=domain.PRICE_MIN, **_PRICE)
    category = serializers.ChoiceField(choices=domain.Category.choices)
    tags = TagsField(required=False, default=list)
    # initial=True: the browsable API's form starts ticked, as the default is.
    is_active = serializers.BooleanField(required=False, default=True, initial=True)

    def validate_name(self, value: str) -> str:
        return domain.normalise_text(value)

    def validate_description(self, value: str) -> str:
        return domain.normalise_text(value)

    def to_item_data(self) -> ItemData:
        data = dict(self.validated_data)
        data["tags"] = tuple(data.get("tags", ()))
        return ItemData(**data)


ORDERING_CHOICES = [f"{prefix}{name}" for name in SORT_FIELDS for prefix in ("", "-")]


class ItemListQuerySerializer(serializers.Serializer):
    """Query parameters of the item list: filters and ordering, validated at the edge."""

    category = serializers.ChoiceField(choices=domain.Category.choices, required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)
    min_price = serializers.DecimalField(min_value=domain.PRICE_MIN, required=False, **_PRICE)
    max_price = serializers.DecimalField(min_value=domain.PRICE_MIN, required=False, **_PRICE)
    tags = TagsField(required=False, help_text="Comma-separated tags (or the parameter repeated).")
    tags_match = serializers.ChoiceField(
        choices=["any", "all"], default="any", help_text="Match any of the tags, or all of them."
    )
    created_after = serializers.DateTimeField(required=False, help_text="Inclusive.")
    created_before = serializers.DateTimeField(required=False, help_text="Exclusive.")
    ordering = serializers.ChoiceField(
        choices=ORDERING_CHOICES,
        default="created_at",
        help_text="Sort field, '-' for descending; ties are broken by id.",
    )

    def validate(self, attrs: dict) -> dict:
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"max_price": ["Ensure max_price is greater than or equal to min_price."]}
            )
        return attrs

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
    def sort(self) -> tuple[str, str]:
        """(sort_by, sort_order) from ``ordering``."""
        ordering = self.validated_data["ordering"]
        return ordering.lstrip("-"), "desc" if ordering.startswith("-") else "asc"


class SearchTextField(serializers.CharField):
    """Free text to search: control characters and lone surrogates dropped, length bounded.

    Search must answer whatever people paste into it, so odd input is cleaned, not refused.
    """

    max_search_length = 200

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        kept = (ch for ch in text if ch.isprintable() or ch.isspace())
        return "".join(ch for ch in kept if not 0xD800 <= ord(ch) <= 0xDFFF)[
            : self.max_search_length
        ].strip()


class ItemSearchQuerySerializer(ItemListQuerySerializer):
    """Query parameters of the search: the text plus the list filters."""

    q = SearchTextField(
        allow_blank=True,
        help_text='Web-search syntax: words, "exact phrase", -exclude, or. Accents and case '
        "do not matter; close spellings are found when exact words find little.",
    )
    highlight = serializers.BooleanField(
        default=False, help_text="Add a snippet with the matched words marked."
    )
    ordering = None  # results come by relevance
