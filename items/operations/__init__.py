"""What operators run against a whole catalog; the management commands are thin wrappers.

- ``backups``: backups and restores that prove the backup intact before touching anything
- ``manifests``: what a backup's manifest vouches for (checksums, schema version), and its checks
- ``dumps``: ``pg_dump``/``pg_restore``: a dump written, read back whole, replayed in one
  transaction
- ``transfer``: whole catalogs in a canonical form; copies between backends, resumable
- ``seeding``: a deterministic French catalog, loaded in bulk through the repository
- ``importing``: an import checked whole, then written (``import_items``, the admin's import);
  ``import_files``: CSV, XLSX and JSON rows streamed from a file
- ``accounts``: the admin account an install starts with

It reads and writes items through ``items.repository`` only, never a backend's internals.
"""
