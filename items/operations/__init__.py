"""What operators run against a whole catalog; the management commands are thin wrappers.

- ``backups``: ``pg_dump`` backups with a manifest of counts and checksums, verified restores
- ``transfer``: whole catalogs in a canonical form; copies between backends, resumable
- ``seeding``: a deterministic French catalog, loaded in bulk through the repository
- ``accounts``: the admin account an install starts with

It reads and writes items through ``items.repository`` only, never a backend's internals.
"""
