"""Routes of the probes and the scrape: ``/health/``, ``/ready/`` and ``/metrics``."""

from django.urls import path

from config.observability import health, metrics

urlpatterns = [
    path("health/", health.health, name="health"),
    path("ready/", health.ready, name="ready"),
    path("metrics", metrics.metrics, name="metrics"),
]
