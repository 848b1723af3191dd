"""How the service is doing. On the ground floor, it imports none of the rooms it watches: they
lend it their parts at start-up (``lent``); only the URL map and the middleware setting name it.

- ``lent``: what the rooms above lend: service checks, figures, the replicas' report, a Redis
- ``services``: each service checked, essential or an accelerator
- ``health``: ``/health/`` (liveness) and ``/ready/`` (each service checked, 503 naming it)
- ``metrics``: ``/metrics`` for staff or a scraper's token
- ``monitoring``: per request, Server-Timing, the slow-query log and Prometheus metrics
- ``timing``: Redis time per request, added to by the cache, read by ``monitoring``
- ``pool``: the database pool's use, reported after each request
- ``performance``: ``/admin/performance/``, the last hour's charts for staff
- ``urls``: the routes of the probes, the scrape and the performance page
"""
