"""What the search endpoint adds to a page: a bounded count, and a did-you-mean in the browser.

A common word can match most of the catalog; counting every match would cost more than finding
the best ones. The search counts exactly up to ``SEARCH_COUNT_LIMIT`` matches and then stops:
beyond it the page says ``"count": 10000, "count_exact": false`` ("more than 10,000"), and page
numbers reach as far as that count (the first 10,000 results). When the repository corrected a
misspelt word, the browsable API shows the corrected query above the results.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

SEARCH_COUNT_LIMIT = 10_000


class SearchCount:
    """A count taken with one match to spare: exact up to the limit, "more than" beyond it."""

    def __init__(self) -> None:
        self.limit = SEARCH_COUNT_LIMIT
        self.exact = True

    @property
    def at_most(self) -> int:
        """How far to count: one past the limit, to tell "exactly the limit" from "more"."""
        return self.limit + 1

    def bounded(self, found: int) -> int:
        """``found`` (counted up to ``at_most``) as the page reports it."""
        self.exact = found <= self.limit
        return min(found, self.limit)


class SearchBrowsableAPIRenderer(BrowsableAPIRenderer):
    """The browsable API, with a did-you-mean line when the query was corrected."""

    template = "items/search_api.html"


SEARCH_RENDERERS = [JSONRenderer, SearchBrowsableAPIRenderer]

# The page parameters, as the list documents them (the search's page has its own schema).
SEARCH_PAGE_PARAMETERS = [
    OpenApiParameter(
        "page", OpenApiTypes.INT, description="A page number within the paginated result set."
    ),
    OpenApiParameter(
        "page_size",
        OpenApiTypes.INT,
        description="Items per page; larger values are capped at 100.",
    ),
]
