"""Suggestions as you type: ``/api/items/suggest/?q=``, served through the response cache.

Names and words that start with the typed prefix, accents and case aside, among what the caller
may see; each with its text as HTML, the prefix marked.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http.response import HttpResponseBase
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request

from catalog_cache.responses.cached import cached_response
from items.api.filters import SuggestQuerySerializer
from items.api.permissions import viewer_of
from items.api.viewset_parts import ItemViewSetParts
from items.conditions import fields_read
from items.records import SUGGESTIONS_MAX, ItemFilter, Suggestion
from items.repository.highlights import marked_prefix


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


class ItemSuggestMixin(ItemViewSetParts):
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

        fields = partial(fields_read, ItemFilter(viewer=viewer), searched=True)
        return cached_response(request, "suggest", viewer, self.headers, build, fields=fields)
