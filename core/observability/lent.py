"""What the rooms above lend observability at start-up: their services, figures and a Redis.

Observability is on the ground floor: it may not import what it watches. Each room lends its
part from its ``AppConfig.ready()`` instead, as django-health-check's plugins register
themselves: a check of each service it depends on (``Service``), the read replicas' report,
the counters it keeps for every server (``Figures``: the cache's hits and misses), and a Redis
to keep the performance samples in (the cache's guarded one). What no room has lent (a bare
process, a test) is simply absent: no check, no figure, no sample.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Service:
    """A service requests use: its name, a probe that raises when it does not answer, whether
    nothing can be served without it (``critical``) or it only speeds things up, and whether
    it is in use in this configuration (``applies``)."""

    name: str
    probe: Callable[[], object]
    critical: bool = True
    applies: Callable[[], bool] = field(default=lambda: True)


@dataclass(frozen=True, slots=True)
class Figures:
    """Counters a room keeps for every server at once, read together: each name's help text
    (the metric is ``<prefix>_<name>_total``), and how to read them all."""

    prefix: str
    help: Mapping[str, str]
    read: Callable[[], Mapping[str, float]]


_services: dict[str, Service] = {}
_figures: dict[str, Figures] = {}
_replicas: list[Callable[[], dict[str, dict]]] = []
_redis: list[Callable[..., Any]] = []


def lend_service(service: Service) -> None:
    """A service to check at each ``/ready/`` and scrape (lent again: replaced)."""
    _services[service.name] = service


def lend_figures(figures: Figures) -> None:
    """Counters to report at each scrape and to sample for the performance page."""
    _figures[figures.prefix] = figures


def lend_replicas(report: Callable[[], dict[str, dict]]) -> None:
    """Each read replica's status, lag and replay position, asked at each check."""
    _replicas[:] = [report]


def lend_redis(run: Callable[..., Any]) -> None:
    """How to reach Redis: ``run(operation, default)`` calls ``operation(client)``, or gives
    ``default`` when Redis does not answer."""
    _redis[:] = [run]


def services() -> list[Service]:
    return [service for service in _services.values() if service.applies()]


def figures() -> list[Figures]:
    return list(_figures.values())


def replica_report() -> dict[str, dict]:
    return _replicas[0]() if _replicas else {}


def on_redis(operation: Callable[[Any], Any], default: Any = None) -> Any:
    """``operation(client)`` on the lent Redis; ``default`` when none is lent or it fails."""
    return _redis[0](operation, default) if _redis else default
