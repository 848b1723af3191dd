"""The list benchmark at scale: a filtered, ordered page, first and deep, with the cache off.

Run with ``make bench`` (after the cache benchmark) or ``python -m bench.listing``. It shares the
search benchmark's data folder (``.data/bench-search``, seeded once to 1,000,000 items), serves
the API under gunicorn with the cache off and times, one request at a time, anonymous pages of
one category in two orders (newest first, dearest first):

- first page with page numbers (its count is capped, see ``ItemPagination.count_cap``);
- first cursor page (``?cursor=``);
- a deep cursor page: positions 100,000 to 200,000 into the category, a different one each
  request, reached by a cursor (an OFFSET page that deep reads every row before it).

It prints p50 and p99 per kind, of the whole request and of its database time (from the
``Server-Timing`` header); the target is a p99 under 50 ms.
"""

from __future__ import annotations

import http.client
import os
import re
import time
import urllib.parse

from bench.search import ITEMS, PORT, _percentiles, _prepare
from bench.server import serve, stop

os.environ.setdefault("THROTTLE_USER_RATE", "100000000/min")
ROUNDS = int(os.environ.get("BENCH_LIST_ROUNDS", "200"))
CATEGORY = "livre"
DEEP_FROM, DEEP_TO = 100_000, 200_000
ORDERINGS = ("-created_at", "-price")
TARGET_P99_MS = 50
_DB_TIME = re.compile(r"db;dur=([0-9.]+)")


def _deep_cursors(ordering: str, count: int) -> list[str]:
    """Cursor tokens for ``count`` positions spread between DEEP_FROM and DEEP_TO."""
    from items.api.pagination import encode_cursor
    from items.models import Item

    sort_by = ordering.lstrip("-")
    rows = Item.objects.filter(category=CATEGORY, is_active=True).order_by(ordering, "-id")
    step = max((DEEP_TO - DEEP_FROM) // count, 1)
    tokens = []
    for position in range(DEEP_FROM, DEEP_TO, step)[:count]:
        row = rows.values(sort_by, "id")[position]
        tokens.append(encode_cursor(ordering, row[sort_by], row["id"]))
    return tokens


def _time(paths: list[str]) -> tuple[list[float], list[float]]:
    """Wall times through HTTP, and the database's share of each (its Server-Timing)."""
    samples, database = [], []
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    for n in range(ROUNDS):
        started = time.perf_counter()
        connection.request("GET", paths[n % len(paths)], headers={"Accept": "application/json"})
        response = connection.getresponse()
        body = response.read()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (response.status, body[:200])
        assert b'"results":[{' in body, body[:200]
        database.append(float(_DB_TIME.search(response.headers["Server-Timing"]).group(1)))
    connection.close()
    return samples, database


def _paths(ordering: str) -> dict[str, list[str]]:
    base = f"/api/items/?category={CATEGORY}&ordering={ordering}"
    deep = [f"{base}&cursor={urllib.parse.quote(t)}" for t in _deep_cursors(ordering, 50)]
    return {"first page": [base], "first cursor": [f"{base}&cursor="], "deep cursor": deep}


def main() -> None:
    _prepare()
    kinds = {
        (ordering, kind): paths
        for ordering in ORDERINGS
        for kind, paths in _paths(ordering).items()
    }
    server = serve(PORT)
    try:
        rows = []
        for (ordering, kind), paths in kinds.items():
            _time(paths[:1])  # warm the plan cache and buffers
            wall, database = _time(paths)
            rows.append((ordering, kind, _percentiles(wall), _percentiles(database)))
    finally:
        stop(server)
    print(f"\n{ITEMS:,} items; category={CATEGORY}, anonymous, cache off, one request at a time")
    print(f"target: p99 under {TARGET_P99_MS} ms; 'db' is the database's share (Server-Timing)")
    print(f"{'ordering':<12} {'page':<13} {'p50':>7} {'p99':>7} {'db p50':>7} {'db p99':>7}  ms")
    for ordering, kind, (p50, p99), (d50, d99) in rows:
        print(f"{ordering:<12} {kind:<13} {p50:>7.1f} {p99:>7.1f} {d50:>7.1f} {d99:>7.1f}")


if __name__ == "__main__":
    main()
