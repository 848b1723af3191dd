"""``/metrics``: Prometheus text for staff, or for a scraper holding ``METRICS_TOKEN``.

The request figures come from ``monitoring``'s metrics (added up over every gunicorn worker
with ``PROMETHEUS_MULTIPROC_DIR``); the cache's hit and miss counters are read from Redis,
where every process counts them.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db.transaction import non_atomic_requests
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from rest_framework.authentication import TokenAuthentication

from catalog_cache.stats import hit_counters


def _may_read_metrics(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    offered = request.headers.get("Authorization", "")
    if expected and hmac.compare_digest(offered, f"Bearer {expected}"):
        return True
    user = request.user
    if not user.is_authenticated and offered.startswith("Token "):
        found = TokenAuthentication().authenticate_credentials(offered.split(" ", 1)[1])
        user = found[0]
    return bool(user.is_authenticated and user.is_staff)


def _registry() -> CollectorRegistry:
    folder = settings.PROMETHEUS_MULTIPROC_DIR
    if not folder:
        return DEFAULT_REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=folder)
    return registry


@non_atomic_requests
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format: requests, latency, database and cache time, cache hits."""
    try:
        allowed = _may_read_metrics(request)
    except Exception:  # a bad token is simply not allowed
        allowed = False
    if not allowed:
        return JsonResponse({"detail": "Staff or the metrics token only."}, status=403)
    stats = hit_counters()
    cache_lines = (
        "# HELP catalog_cache_hits_total Response cache hits (all processes)\n"
        "# TYPE catalog_cache_hits_total counter\n"
        f"catalog_cache_hits_total {stats['hits']}\n"
        "# HELP catalog_cache_misses_total Response cache misses (all processes)\n"
        "# TYPE catalog_cache_misses_total counter\n"
        f"catalog_cache_misses_total {stats['misses']}\n"
    )
    body = generate_latest(_registry()) + cache_lines.encode()
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
