"""Request parsers: JSON that refuses nesting too deep to parse, instead of failing with a 500."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    """JSON, refusing documents nested too deeply to parse (a 400, not a recursion 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
