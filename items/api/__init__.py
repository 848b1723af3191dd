"""The items API (Django REST framework): what a client sees of the catalog.

- ``views``: ``ItemViewSet``, composed of ``reading`` (list, search, read one, cached),
  ``writing`` (create, replace, patch, delete), ``history`` (an item's changes) and
  ``suggest`` (names and words as you type); ``viewset_parts``: what those families use of
  the viewset, declared for the type checker
- ``serializers``: items out, item input in; ``fields``: the strict field types they use
- ``filters``: list, search and suggest query parameters, validated into an ``ItemFilter``
- ``pagination``: page numbers, or a keyset cursor for deep pages
- ``facets``: facet counts laid out as JSON beside a page, and their OpenAPI schema
- ``search_page``: what the search page adds: its renderer (did-you-mean) and page parameters
- ``permissions``: who a request speaks for (``viewer_of``) and who changes an item
- ``etags``: ``If-Match`` checked on the locked record
- ``token_endpoint``: username and password exchanged for a token; ``authentication``: tokens
  recognised from Redis (no database query per request)
- ``rows``: the input rules applied to a spreadsheet's row, for imports; ``cells``: text a
  spreadsheet would run, marked as text on the way out and unmarked on the way in
- ``urls``: the routes under ``/api/``

It reads and writes through ``catalog_cache`` and ``items.repository``; nothing imports it but
the URL map, and the admin and ``import_items``, which check rows by its rules (``rows``).
"""
