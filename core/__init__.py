"""The ground floor every room runs on; it imports nothing from the rooms above it.

- ``http``: what every endpoint shares: the error shape, parsers, request ids, client
  addresses, ETags of a body, OpenAPI hooks
- ``observability``: ``/health/``, ``/ready/``, ``/metrics``, Server-Timing, the slow-query log,
  the performance page; the rooms above lend it their checks and figures at start-up
- ``embedded``: the embedded PostgreSQL and Redis a fresh machine runs on, and their supervision
- ``database``: Django's PostgreSQL backend with a cheaper pool check

Imports point down only: config -> items.api -> catalog_cache -> items.repository -> items ->
core (ARCHITECTURE.md).
"""
