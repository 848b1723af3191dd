"""Discovery in the items API: facet counts beside a list or search, and suggestions as you type.

``facets_data`` lays a repository's ``Facets`` out as JSON (the price ranges with their bounds),
``FACETS_SCHEMA`` documents it in OpenAPI, and ``ItemSuggestMixin`` serves
``/api/items/suggest/?q=`` through the response cache, as the list is served.
"""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request

from catalog_cache.responses.cached import cached_response
from items import domain
from items.api.filters import SuggestQuerySerializer
from items.api.permissions import viewer_of
from items.records import SUGGESTIONS_MAX, TOP_TAGS, Facets, Suggestion
from items.repository.highlights import marked_prefix

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


_COUNTED = {
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


class SuggestionSerializer(serializers.Serializer):
    """One suggestion: its text, what it is, and the text as HTML with the typed prefix marked."""

    text = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=["name", "word"], help_text="An item's name, or a word of the catalog."
    )
    html = serializers.SerializerMethodField(
        help_text="The text HTML-escaped, the part matching the prefix in <mark>."
    )

    def get_html(self, suggestion: Suggestion) -> str:
        return marked_prefix(suggestion.text, self.context["prefix"])


class SuggestionsSerializer(serializers.Serializer):
    """Suggestions for a prefix."""

    q = serializers.CharField(help_text="The prefix, as read.")
    suggestions = SuggestionSerializer(many=True)


class ItemSuggestMixin:
    """``suggest`` for ``ItemViewSet``."""

    @extend_schema(
        parameters=[SuggestQuerySerializer],
        responses=SuggestionsSerializer,
        summary="Suggest names and words for a prefix",
    )
    @action(detail=False, methods=["get"])
    def suggest(self, request: Request) -> HttpResponseBase:
        """Up to ten names and words starting with ``q``, accents and case aside."""
        query = SuggestQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        prefix, viewer = query.validated_data["q"], viewer_of(request)

        def build() -> Any:
            found = self.repository.suggest(prefix, viewer=viewer, limit=SUGGESTIONS_MAX)
            payload = {"q": prefix, "suggestions": found}
            return SuggestionsSerializer(payload, context={"prefix": prefix}).data

        return cached_response(request, "suggest", viewer, self.headers, build)
