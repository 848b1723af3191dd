"""From cumulative samples to the page's time series: one point a minute over the last hour.

Counters only grow, so each pair of a source's consecutive samples gives an increase over the
time between them (a smaller value means the server restarted: its figure counts from zero, so
the increase is the new value). A pair belongs to the minute its later sample falls in. Rates
are each source's increases over its own elapsed time in that minute, added up over sources;
pool use is each source's last reading in the minute, added up.

Percentiles come from the latency histogram's buckets, as Prometheus's ``histogram_quantile``
computes them: the bucket increases of the minute (all sources) are made cumulative, the
bucket holding the q-th observation is found, and the value is interpolated linearly between
that bucket's bounds (from 0 for the first). An observation beyond the last finite bound reads as
that bound. So a percentile is as precise as the buckets around it (``monitoring.LATENCY``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from core.observability.performance.sampling import CLUSTER, WINDOW_SECONDS

BIN_SECONDS = 60
BINS = WINDOW_SECONDS // BIN_SECONDS
TOP_ROUTES = 6
Values = list[float | None]


@dataclass
class Performance:
    """The last hour, minute by minute, ready to draw."""

    labels: list[str]
    requests: dict[str, Values] = field(default_factory=dict)
    p50: dict[str, Values] = field(default_factory=dict)
    p99: dict[str, Values] = field(default_factory=dict)
    cache_hit_ratio: Values = field(default_factory=list)
    slow_queries: Values = field(default_factory=list)
    pool: dict[str, Values] = field(default_factory=dict)
    sources: int = 0
    samples: int = 0
    drawn: bool = False  # some server has two samples, so some line has a point


def quantile(q: float, bounds: list[float], cumulative: list[float]) -> float | None:
    """The q-quantile of a histogram given its upper bounds and cumulative counts."""
    total = cumulative[-1] if cumulative else 0.0
    if total <= 0:
        return None
    rank = q * total
    below, lower = 0.0, 0.0
    for bound, count in zip(bounds, cumulative, strict=True):
        if count >= rank:
            if math.isinf(bound):
                return lower
            if count == below:
                return bound
            return lower + (bound - lower) * (rank - below) / (count - below)
        below, lower = count, bound
    return lower


def _bin(t: float, start: float) -> int | None:
    index = math.floor((t - start) / BIN_SECONDS)
    return index if 0 <= index < BINS else None


def _increase(before: float, after: float) -> float:
    return after - before if after >= before else after  # smaller: a restart counted from 0


def _pairs(samples: list[dict[str, Any]], start: float) -> Iterator[tuple[int, float, Any, Any]]:
    """(minute, seconds elapsed, earlier sample, later sample) for consecutive samples."""
    for before, after in pairwise(samples):
        index = _bin(after["t"], start)
        elapsed = after["t"] - before["t"]
        if index is not None and elapsed > 0:
            yield index, elapsed, before, after


def _rates(sources: Iterable[list[dict[str, Any]]], start: float, read: Any, per: float) -> Values:
    """A counter's rate per ``per`` seconds, each minute, over every source."""
    totals: Values = [None] * BINS
    for samples in sources:
        grown, elapsed = defaultdict(float), defaultdict(float)
        for index, seconds, before, after in _pairs(samples, start):
            grown[index] += _increase(read(before), read(after))
            elapsed[index] += seconds
        for index, seconds in elapsed.items():
            totals[index] = (totals[index] or 0.0) + grown[index] / seconds * per
    return totals


def _sorted_buckets(per_route: dict[str, float]) -> tuple[list[float], list[float]]:
    pairs = sorted((float(le), count) for le, count in per_route.items())
    return [le for le, _ in pairs], [count for _, count in pairs]


def _latency(sources: list[list[dict[str, Any]]], start: float, routes: list[str]) -> tuple:
    """Each route's bucket increases per minute, then its p50 and p99 (in milliseconds)."""
    grown: dict[tuple[str, int], list[float]] = {}
    bounds_of: dict[str, list[float]] = {}
    for samples in sources:
        for index, _, before, after in _pairs(samples, start):
            for route in routes:
                bounds, now = _sorted_buckets(after["buckets"].get(route, {}))
                then_bounds, then = _sorted_buckets(before["buckets"].get(route, {}))
                if not bounds or (then_bounds and then_bounds != bounds):
                    continue  # no requests yet, or the buckets changed between samples
                then = then or [0.0] * len(now)
                restarted = any(b < a for a, b in zip(then, now, strict=True))
                step = now if restarted else [b - a for a, b in zip(then, now, strict=True)]
                total = grown.setdefault((route, index), [0.0] * len(now))
                grown[(route, index)] = [x + y for x, y in zip(total, step, strict=True)]
                bounds_of[route] = bounds
    p50 = {route: [None] * BINS for route in routes}
    p99 = {route: [None] * BINS for route in routes}
    for (route, index), counts in grown.items():
        for q, into in ((0.5, p50), (0.99, p99)):
            value = quantile(q, bounds_of[route], counts)
            into[route][index] = None if value is None else round(value * 1000, 2)
    return p50, p99


def _busiest_routes(sources: list[list[dict[str, Any]]]) -> list[str]:
    served: dict[str, float] = defaultdict(float)
    for samples in sources:
        if len(samples) > 1:
            first, last = samples[0]["requests"], samples[-1]["requests"]
            for route, count in last.items():
                served[route] += _increase(first.get(route, 0.0), count)
    ranked = sorted((route for route, count in served.items() if count > 0), key=served.get)
    return ranked[::-1][:TOP_ROUTES]


def _pool_use(sources: list[list[dict[str, Any]]], start: float) -> dict[str, Values]:
    lines: dict[str, Values] = {name: [None] * BINS for name in ("in use", "open", "capacity")}
    lines["waiting"] = [None] * BINS
    for samples in sources:
        last: dict[int, dict[str, float]] = {}
        for sample in samples:
            index = _bin(sample["t"], start)
            if index is not None and sample["pool"]:
                last[index] = sample["pool"]
        for index, pool in last.items():
            readings = {
                "in use": pool.get("in_use", 0.0),
                "open": pool.get("in_use", 0.0) + pool.get("idle", 0.0),
                "capacity": pool.get("max", 0.0),
                "waiting": pool.get("waiting", 0.0),
            }
            for name, value in readings.items():
                lines[name][index] = (lines[name][index] or 0.0) + value
    return lines


def _hit_ratio(samples: list[dict[str, Any]], start: float) -> Values:
    hits, lookups = [0.0] * BINS, [0.0] * BINS
    for index, _, before, after in _pairs(samples, start):
        hit = _increase(before["hits"], after["hits"])
        hits[index] += hit
        lookups[index] += hit + _increase(before["misses"], after["misses"])
    return [round(100 * h / n, 1) if n else None for h, n in zip(hits, lookups, strict=True)]


def performance(samples: dict[str, list[dict[str, Any]]], now: float) -> Performance:
    """The page's series from ``sampling.recent_samples``, for the hour ending at ``now``."""
    start = (math.floor(now / BIN_SECONDS) + 1) * BIN_SECONDS - WINDOW_SECONDS
    servers = [series for name, series in samples.items() if name != CLUSTER]
    routes = _busiest_routes(servers)
    p50, p99 = _latency(servers, start, routes)
    labels = [
        datetime.fromtimestamp(start + i * BIN_SECONDS, UTC).strftime("%H:%M") for i in range(BINS)
    ]
    return Performance(
        labels=labels,
        requests={
            "all": _rates(servers, start, lambda s: sum(s["requests"].values()), 1.0),
            "5xx": _rates(servers, start, lambda s: s["errors"], 1.0),
        },
        p50=p50,
        p99=p99,
        cache_hit_ratio=_hit_ratio(samples.get(CLUSTER, []), start),
        slow_queries=_rates(servers, start, lambda s: s["slow"], 60.0),
        pool=_pool_use(servers, start),
        sources=len(servers),
        samples=sum(len(series) for series in servers),
        drawn=any(len(series) > 1 for series in servers),
    )
