"""The API's field types: prices, strict JSON text and booleans, tag lists, search text.

Each is as strict as the database: JSON must send the type it means (DRF would turn 123 into
"123"), while the browsable API's HTML forms, which can only send text, still work.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils.datastructures import MultiValueDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from items import domain
from items.records import FACET_NAMES

_PRICE = {
    "max_digits": domain.PRICE_MAX_DIGITS,
    "decimal_places": domain.PRICE_DECIMAL_PLACES,
}


@extend_schema_field({"type": "string", "format": "decimal", "pattern": domain.PRICE_PATTERN})
class PriceField(serializers.DecimalField):
    """A price: a JSON number, or text of ASCII digits (``domain.PRICE_PATTERN``); at least 0."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", domain.PRICE_MIN)
        super().__init__(**_PRICE, **kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        try:
            price = domain.parse_price(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error), code="invalid") from None
        return self.quantize(self.validate_precision(price))


_WHOLE_NUMBER = re.compile(r"[0-9]+")
_BEYOND_ANY_PAGE = 10**18  # what longer numbers count as: int() refuses 4,300 digits and more


def whole_number(raw: str, name: str) -> int:
    """An integer query parameter: ASCII digits only, at least 1; else 400 naming ``name``.

    Python's ``int`` would also read "²", "١٢" or " 7 "; a query parameter may not say those.
    """
    digits = raw.lstrip("0") if _WHOLE_NUMBER.fullmatch(raw) else ""
    if not digits:
        raise serializers.ValidationError({name: ["Ensure this is a whole number of at least 1."]})
    return int(digits) if len(digits) < 19 else _BEYOND_ANY_PAGE


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
    """A list of tags: a JSON array (JSON must send one), or comma-separated text (HTML forms,
    query strings, spreadsheet cells)."""

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
            if not _from_form(self):  # "notalist" is not the list ["notalist"]
                self.fail("not_a_list", input_type="str")
            data = data.split(",")
        return domain.normalise_tags(super().to_internal_value(data))


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


@extend_schema_field({"type": "string", "example": ",".join(FACET_NAMES)})
class FacetNamesField(serializers.Field):
    """Facet names, comma-separated (or the parameter repeated); an unknown one is refused,
    the message listing the valid ones."""

    default_error_messages = {"invalid": "Expected facet names, comma-separated."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            f"Facets to count, comma-separated: {', '.join(FACET_NAMES)}. Each counts over the "
            "filtered result with its own filter left out.",
        )
        super().__init__(**kwargs)

    def get_value(self, dictionary: Any) -> Any:
        if isinstance(dictionary, MultiValueDict) and self.field_name in dictionary:
            return ",".join(dictionary.getlist(self.field_name))
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> list[str]:
        if not isinstance(data, str):
            self.fail("invalid")
        names = [name.strip() for name in data.split(",") if name.strip()]
        unknown = [name for name in names if name not in FACET_NAMES]
        if unknown or not names:
            shown = ", ".join(repr(name[:50]) for name in unknown) or "none"
            raise serializers.ValidationError(
                f"Unknown facet {shown}: valid facets are {', '.join(FACET_NAMES)}.",
                code="invalid_choice",
            )
        return list(dict.fromkeys(names))

    def to_representation(self, value: Any) -> str:
        return ",".join(value)
