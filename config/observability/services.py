"""The services a request may use, whether each answers now, and which ones it cannot do without.

PostgreSQL (accounts, sessions, tokens, and the items by default) and MongoDB when it holds the
items are essential: without them nothing can be served. Redis is an accelerator: without it
requests are slower, never wrong, so its loss only degrades the service. So are read replicas:
one that is down or lags past ``REPLICA_MAX_LAG`` is skipped (the primary reads instead).
``/ready/`` and ``/metrics`` both report from here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django_redis import get_redis_connection

from items.repository import get_item_repository, read_positions

ACCELERATORS = frozenset({"redis"})


def _check_postgres() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    get_redis_connection("default").ping()


def _check_mongodb() -> None:
    get_item_repository().ping()


def service_states() -> dict[str, str]:
    """Each service's state: ``"ok"``, or ``"down: <error>"`` when it did not answer."""
    checks: dict[str, Callable[[], None]] = {"postgres": _check_postgres, "redis": _check_redis}
    if settings.DB_TYPE == "mongodb":
        checks["mongodb"] = _check_mongodb
    states = {}
    for name, check in checks.items():
        try:
            check()
            states[name] = "ok"
        except Exception as error:  # whatever the failure, the service did not answer
            states[name] = f"down: {type(error).__name__}"
    return states


def replica_states() -> dict[str, dict]:
    """Each read replica's status (``ok``, ``lagging``, ``down: ...``), lag and replay position."""
    return read_positions.report() if read_positions.enabled() else {}
