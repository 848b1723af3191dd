"""``manage.py`` commands: each parses its arguments, calls one operation and prints.

- ``bootstrap``: migrate, seed an empty catalog, the first admin (what ``make run`` runs)
- ``seed_items``: a generated catalog, loaded in bulk; ``import_items``: CSV, XLSX or JSON
- ``backup``, ``restore``: verified backups and restores; ``copy_items``: between backends
- ``ensure_admin``: the first admin account; ``mongo_indexes``: MongoDB's validator and
  indexes; ``search_index``: the search engine's index built, rebuilt, followed, reported
"""
