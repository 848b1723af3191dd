"""``/admin/performance/``: the last hour's charts, for staff, inside the admin.

The page takes a sample itself when one is due (so it shows the present even with background
sampling off), reads every server's series from Redis in two round trips, and draws them. Redis
down: the page says so, with no charts, and answers at once (the guard does not wait on a Redis
it already knows to be down).
"""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.template.backends.django import Template
from django.views.decorators.http import require_GET

from core.observability import lent
from core.observability.performance import sampling
from core.observability.performance.charts import performance_charts
from core.observability.performance.series import performance

_UNAVAILABLE = object()


@cache
def _page() -> Template:
    # This room is no app, so the template sits beside the view rather than in a templates/.
    return engines["django"].from_string(Path(__file__).with_name("page.html").read_text())


@require_GET
def performance_page(request: HttpRequest) -> HttpResponse:
    """Requests per second, latency percentiles by endpoint, cache hits, slow queries, pool."""
    sampling.take_sample_if_due()
    now = time.time()
    samples = lent.on_redis(lambda client: sampling.recent_samples(client, now), _UNAVAILABLE)
    context = {
        **admin.site.each_context(request),
        "title": "Performance",
        "interval": settings.PERFORMANCE_SAMPLE_SECONDS or sampling.PAGE_SAMPLE_SECONDS,
        "background": bool(settings.PERFORMANCE_SAMPLE_SECONDS),
        "unavailable": samples is _UNAVAILABLE,
    }
    if samples is not _UNAVAILABLE:
        figures = performance(samples, now)
        context.update(figures=figures, charts=performance_charts(figures))
    return HttpResponse(_page().render(context, request))
