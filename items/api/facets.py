"""Facet counts in the items API: their JSON layout beside a list or search page, and its schema.

``facets_data`` lays a repository's ``Facets`` out as JSON (the price ranges with their bounds);
``FACETS_SCHEMA`` (and ``FacetsField``) document it in OpenAPI.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from items import domain
from items.records import TOP_TAGS, Facets

_BANDS = {band.key: band for band in domain.PRICE_BANDS}
PRICE_RANGES_TEXT = ", ".join(
    f"{band.key} ({band.label}: {band.low}"
    + (f" <= price < {band.high})" if band.high is not None else " <= price)")
    for band in domain.PRICE_BANDS
)


def _price_value(key: str, count: int) -> dict[str, Any]:
    band = _BANDS[key]
    high = None if band.high is None else f"{band.high:.2f}"
    return {"value": key, "count": count, "min": f"{band.low:.2f}", "max": high}


def facets_data(facets: Facets) -> dict[str, list[dict[str, Any]]]:
    """``facets`` as the API shows them: ``{"category": [{"value", "count"}, ...], ...}``."""
    return {
        name: [
            _price_value(v.value, v.count)
            if name == "price"
            else {"value": v.value, "count": v.count}
            for v in values
        ]
        for name, values in facets.items()
    }


_COUNTED: dict[str, Any] = {
    "type": "object",
    "properties": {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 0}},
    "required": ["value", "count"],
}
_DECIMAL = {"type": "string", "format": "decimal"}
FACETS_SCHEMA = {
    "type": "object",
    "description": "Only with `facets=`: counts over the whole filtered result (not the page), "
    "each facet leaving its own filter out.",
    "properties": {
        "category": {
            "type": "array",
            "items": _COUNTED,
            "description": "Every category with its count (the `category` filter left out).",
        },
        "tags": {
            "type": "array",
            "items": _COUNTED,
            "description": f"The {TOP_TAGS} most frequent tags, most frequent first, ties by "
            "tag (the `tags` filter left out).",
        },
        "price": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    **_COUNTED["properties"],
                    "min": _DECIMAL,
                    "max": {**_DECIMAL, "nullable": True},
                },
                "required": ["value", "count", "min", "max"],
            },
            "description": "Counts in fixed ranges, `min` included and `max` excluded (the "
            f"`min_price`/`max_price` filters left out): {PRICE_RANGES_TEXT}.",
        },
    },
}


@extend_schema_field(FACETS_SCHEMA)
class FacetsField(serializers.JSONField):
    """A page's facet counts (``facets_data``), present only when ``facets=`` was given."""
