"""Read-your-writes and replica-safe fills, by WAL position (only with read replicas).

- ``tracking``: the positions a read must see past (the versions' and the caller's), and the
  positions this request's commits reached
- ``changes``: the change log, by position: which recent changes may alter a page read where
  the primary's WAL was replayed only so far
- ``middleware``: ``X-Catalog-Position`` read from the client, returned after a write
"""
