"""Routes of the probes, the scrape and the staff's performance page."""

from django.contrib import admin
from django.urls import path

from core.observability import health, metrics
from core.observability.performance.views import performance_page

urlpatterns = [
    path("health/", health.health, name="health"),
    path("ready/", health.ready, name="ready"),
    path("metrics", metrics.metrics, name="metrics"),
    # Before the admin's own routes (this file is included ahead of them): staff only, as
    # every admin page, signing in through the admin's login.
    path("admin/performance/", admin.site.admin_view(performance_page), name="performance"),
]
