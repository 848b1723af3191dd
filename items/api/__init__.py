"""The items API (Django REST framework): what a client sees of the catalog.

- ``views``: ``ItemViewSet``, composed of ``reading`` (list, search, read one, cached) and
  ``writing`` (create, replace, patch, delete)
- ``serializers``: items out, item input in; ``fields``: the strict field types they use
- ``filters``: list and search query parameters, validated into an ``ItemFilter``
- ``pagination``: page numbers, or a keyset cursor for deep pages
- ``permissions``: who sees and who changes an item; ``etags``: ``If-None-Match``/``If-Match``
- ``auth``: the token endpoint; ``authentication``: tokens recognised from Redis (no database
  query per request); ``urls``: the routes under ``/api/``

It reads and writes through ``catalog_cache`` and ``items.repository``; nothing imports it but
the URL map.
"""
