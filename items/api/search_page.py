"""What the search endpoint adds to the item pages: its page parameters and a did-you-mean.

When the repository corrected a misspelt word, the browsable API shows the corrected query above
the results (the JSON says it in ``corrected_query``).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer


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
