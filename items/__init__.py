"""The catalog's items: the domain, and the rooms built on it.

The domain, here: ``models`` (Item, User), ``domain`` (the rules), ``conditions`` (who sees an
item and what each filter admits, said once), ``records`` (values that cross the repository
seam), ``ids``, ``signals`` (``item_changed``), ``history`` and ``actor`` (who changed what),
``migrations``, and ``apps`` (start-up wiring).

- ``repository``: the seam's contract, its factory, the PostgreSQL and MongoDB backends
- ``api``: the REST API (views, serializers, filters, pagination, permissions, ETags)
- ``operations``: backups, transfer between backends, seeding, imports; ``management`` wraps
  them
- ``admin``: the staff's editor

Imports point one way: api -> catalog_cache -> repository -> domain -> core (ARCHITECTURE.md).
"""
