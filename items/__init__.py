"""The catalog's items: the domain, and its three rooms below it.

The domain, here: ``models`` (Item, User), ``domain`` (the rules), ``records`` (values that
cross the repository seam), ``ids``, ``signals`` (``item_changed``), ``history`` and
``actor`` (who changed what), ``admin``, ``migrations``.

- ``repository``: the ``ItemRepository`` Protocol, its factory, the PostgreSQL and MongoDB backends
- ``api``: the REST API (views, serializers, filters, pagination, permissions, ETags)
- ``operations``: backups, transfer between backends, seeding; ``management`` wraps them

Imports point one way: api -> catalog_cache -> repository -> domain (ARCHITECTURE.md).
"""
