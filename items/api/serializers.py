"""API serializers: input (what a client may send) kept apart from output (what it gets)."""

from __future__ import annotations

from functools import cache
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from items import domain
from items.api.facets import FacetsField
from items.api.fields import PriceField, StrictBooleanField, StrictCharField, TagsField
from items.api.pagination import ItemPagination
from items.records import ItemData


class _FixedFieldsSerializer(serializers.Serializer):
    """A read-only serializer whose representation skips DRF's per-instance field set.

    DRF deep-copies and binds every declared field each time a serializer is made (a list
    makes one per page, a write two), which costs more than the representation itself. These
    fields never change: they are built once per class, and ``to_representation`` applies
    them to the record as ``Serializer.to_representation`` would (None stays None; a method
    field calls this serializer's own method, with its context).
    """

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = {}
        # A class is hashable; mypy says otherwise of a class object (python/mypy#11470).
        for name, attribute, represent, method in _representers(type(self)):  # type: ignore[arg-type]
            if method is not None:
                data[name] = getattr(self, method)(instance)
                continue
            value = getattr(instance, attribute)
            data[name] = None if value is None else represent(value)
        return data


@cache
def _representers(
    cls: type[_FixedFieldsSerializer],
) -> tuple[tuple[str, str, Any, str | None], ...]:
    representers = []
    for name, field in cls().fields.items():
        if isinstance(field, serializers.SerializerMethodField):
            representers.append((name, "", None, field.method_name))
            continue
        (attribute,) = field.source_attrs  # a plain attribute of the record
        representers.append((name, attribute, field.to_representation, None))
    return tuple(representers)


class ItemSerializer(_FixedFieldsSerializer):
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


class ItemSearchPageSerializer(serializers.Serializer):
    """A page of search results, with the query as written and as searched."""

    count = serializers.IntegerField(
        help_text="How many items match: exactly when count_exact is true, else at least this many."
    )
    count_exact = serializers.BooleanField(
        help_text="Whether count is exact. Most searches count every match while ranking. A "
        "one-word search that very many items hold is answered from their name matches first, "
        f"and counted up to {ItemPagination.count_cap:,}: beyond that, count is the cap and "
        "count_exact is false, as on list pages."
    )
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    query = serializers.CharField(help_text="The query as written.")
    corrected_query = serializers.CharField(
        allow_null=True,
        help_text="The query as searched when misspelt words were corrected (the results, "
        "the count and the highlights are for it); null when searched as written.",
    )
    results = ItemSearchResultSerializer(many=True)
    facets = FacetsField(required=False)


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
