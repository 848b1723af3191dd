"""The discovery benchmark: suggestions as you type and facet counts, at 1,000,000 items.

Run with ``make bench-search`` (after ``bench.search``) or ``python -m bench.discovery``. It
reuses the search benchmark's database (``.data/bench-search``, seeded to
``BENCH_SEARCH_ITEMS`` once), serves the API under gunicorn with the cache off, and times
through HTTP:

- ``/api/items/suggest/?q=`` for prefixes of one to four letters (target: p99 under 20 ms);
- facets (category, tags, price) of filtered lists, with ``cursor=`` pages so that the list's
  own count is left out (target: p99 under 150 ms), and, apart, facets that are counted from
  the rows (a search, two tags at once);
- the same lists without facets, which is what the facets add to.

It prints p50 and p99 per kind, and the sizes of the tables and indexes discovery adds.
"""

from __future__ import annotations

import http.client
import os
import time
import urllib.parse

from bench.search import ITEMS, _percentiles, _prepare
from bench.server import serve, stop

# DRF's user throttle also counts anonymous requests (by address): lift it, as the anon one is.
os.environ.setdefault("THROTTLE_USER_RATE", "100000000/min")

ROUNDS = int(os.environ.get("BENCH_DISCOVERY_ROUNDS", "200"))
PORT = int(os.environ.get("BENCH_DISCOVERY_PORT", "8767"))
FACETS = "facets=category,tags,price&cursor="
FILTERS = [
    "category=livre&min_price=10",
    "tags=bio",
    "category=electronique&min_price=99.50&max_price=500.50&tags=bluetooth",
    "is_active=true&max_price=200",
    "min_price=19.99",
    "",
]
REQUESTS = {
    "suggest, 1 letter": [
        f"/api/items/suggest/?q={urllib.parse.quote(p)}" for p in ("l", "c", "é", "s", "2")
    ],
    "suggest, 2-4 letters": [
        f"/api/items/suggest/?q={urllib.parse.quote(p)}"
        for p in ("la", "cas", "elec", "écra", "rom", "chem", "sams", "zzz")
    ],
    "list, no facets": [f"/api/items/?cursor=&{f}" for f in FILTERS],
    "list + facets": [f"/api/items/?{FACETS}&{f}" for f in FILTERS],
    "facets from rows": [
        f"/api/items/?{FACETS}&tags=bio,coton",
        f"/api/items/search/?q=casque&{FACETS}",
        f"/api/items/?{FACETS}&created_after=2020-01-01T00:00:00Z",
    ],
}
SLOW_ROUNDS = int(os.environ.get("BENCH_DISCOVERY_SLOW_ROUNDS", "12"))
SIZES = ["item_name_prefix_idx", "items_facet_cell", "search_vocabulary_plain_prefix"]


def _vacuum_and_sizes() -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        # Index-only scans of names need the visibility map a fresh load has not set yet.
        cursor.execute("VACUUM (ANALYZE) items_item")
        cursor.execute("VACUUM (ANALYZE) items_facet_cell")
        found = []
        for name in SIZES:
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [name])
            found.append((name, cursor.fetchone()[0]))
        return found


def _time(paths: list[str], rounds: int) -> list[float]:
    samples = []
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    for n in range(rounds):
        started = time.perf_counter()
        connection.request("GET", paths[n % len(paths)], headers={"Accept": "application/json"})
        response = connection.getresponse()
        response.read()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (paths[n % len(paths)], response.status)
    connection.close()
    return samples


def main() -> None:
    _prepare()
    sizes = _vacuum_and_sizes()
    server = serve(PORT)
    try:
        rows = []
        for kind, paths in REQUESTS.items():
            rounds = SLOW_ROUNDS if kind == "facets from rows" else ROUNDS
            _time(paths, len(paths))  # warm the plan cache and buffers
            rows.append((kind, _percentiles(_time(paths, rounds)), rounds))
    finally:
        stop(server)
    print(f"\n{ITEMS:,} items; discovery through the API (cache off)")
    print(f"{'kind':<22} {'p50':>8} {'p99':>8}  ms  (requests)")
    for kind, (p50, p99), rounds in rows:
        print(f"{kind:<22} {p50:>8.1f} {p99:>8.1f}      ({rounds})")
    print("sizes: " + ", ".join(f"{name} {size}" for name, size in sizes))


if __name__ == "__main__":
    main()
