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


_WHOLE_DIGITS = domain.PRICE_MAX_DIGITS - domain.PRICE_DECIMAL_PLACES
PRICE_PATTERN = rf"^\d{{1,{_WHOLE_DIGITS}}}(\.\d{{1,{domain.PRICE_DECIMAL_PLACES}}})?$"


@extend_schema_field({"type": "string", "format": "decimal", "pattern": PRICE_PATTERN})
class PriceField(serializers.DecimalField):
    """A price: a decimal string, at least 0, two decimal places at most."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", domain.PRICE_MIN)
        super().__init__(**_PRICE, **kwargs)


def _from_form(field: serializers.Field) -> bool:
    return isinstance(getattr(field.root, "initial_data", None), MultiValueDict)


class StrictCharField(serializers.CharField):
    """Text: JSON must send a string (DRF would turn 123 into "123")."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) and not _from_form(self):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A boolean: JSON must send true or false; forms (which send only text) may say "on"."""

    form_words = frozenset({"true", "false", "on", "off"})

    def to_internal_value(self, data: Any) -> bool:
        in_form = _from_form(self) and isinstance(data, str) and data.lower() in self.form_words
        if not (isinstance(data, bool) or in_form):
            self.fail("invalid", input=data)
        return super().to_internal_value(data)


class TagsField(serializers.ListField):
    """A list of tags: a JSON array, or one comma-separated string (HTML forms, query strings)."""

    def __init__(self, **kwargs: Any) -> None:
        # Blank tags are allowed in and dropped by normalisation, like untrimmed ones.
        kwargs.setdefault(
            "child", StrictCharField(max_length=domain.TAG_MAX_LENGTH, allow_blank=True)
        )
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
    price = PriceField(read_only=True)
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

    name = StrictCharField(max_length=domain.NAME_MAX_LENGTH)
    description = StrictCharField(
        max_length=domain.DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False, default=""
    )
    price = PriceField()
    category = serializers.ChoiceField(choices=domain.Category.choices)
    tags = TagsField(required=False, default=list)
    # initial=True: the browsable API's form starts ticked, as the default is.
    is_active = StrictBooleanField(required=False, default=True, initial=True)

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
    min_price = PriceField(required=False)
    max_price = PriceField(required=False)
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

    blank_allowed = ("tags", "q")

    q = SearchTextField(
        allow_blank=True,
        help_text='Web-search syntax: words, "exact phrase", -exclude, or. Accents and case '
        "do not matter; close spellings are found when exact words find little.",
    )
    highlight = serializers.BooleanField(
        default=False, help_text="Add a snippet with the matched words marked."
    )
    ordering = None  # results come by relevance
