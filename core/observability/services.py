"""The services a request may use, whether each answers now, and which ones it cannot do without.

PostgreSQL (accounts, sessions, tokens, and the items by default) is essential, and so is every
service a room lends as critical (MongoDB when it holds the items): without them nothing can be
served. An accelerator (Redis) only degrades the service: without it requests are slower, never
wrong. So do read replicas: one that is down or lags past ``REPLICA_MAX_LAG`` is skipped (the
primary reads instead). ``/ready/`` and ``/metrics`` both report from here.
"""

from __future__ import annotations

from django.db import connection

from core.observability import lent


def _check_postgres() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


POSTGRES = lent.Service("postgres", _check_postgres)


def _checked() -> list[lent.Service]:
    return [POSTGRES, *(s for s in lent.services() if s.name != POSTGRES.name)]


def accelerators() -> frozenset[str]:
    """The services whose loss only degrades the service."""
    return frozenset(service.name for service in _checked() if not service.critical)


def service_states() -> dict[str, str]:
    """Each service's state: ``"ok"``, or ``"down: <error>"`` when it did not answer."""
    states = {}
    for service in _checked():
        try:
            service.probe()
            states[service.name] = "ok"
        except Exception as error:  # whatever the failure, the service did not answer
            states[service.name] = f"down: {type(error).__name__}"
    return states


def replica_states() -> dict[str, dict]:
    """Each read replica's status (``ok``, ``lagging``, ``down: ...``), lag and replay position."""
    return lent.replica_report()
