"""How the service is doing, read from every room; imported only by the URL map and settings.

- ``monitoring``: per request, Server-Timing, the slow-query log and Prometheus metrics
- ``health``: ``/health/`` (liveness) and ``/ready/`` (each service checked, 503 naming it)
- ``metrics``: ``/metrics`` for staff or a scraper's token
- ``pool``: the database pool's use, reported after each request
- ``performance``: ``/admin/performance/``, the last hour's charts for staff
- ``urls``: the routes of the probes, the scrape and the performance page
"""
