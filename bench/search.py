"""The search benchmark: ranked full-text search against a plain ``icontains`` scan.

Run with ``make bench-search`` (or ``python -m bench.search``). It uses its own data folder
(``.data/bench-search``), seeds it to ``BENCH_SEARCH_ITEMS`` items (1,000,000) once, serves the
API under gunicorn with the cache off, and times single-word, multi-word, phrase and typo
queries through HTTP; then it times the same words as ``name``/``description`` ``icontains``
scans over the same rows. It prints p50 and p99 per kind, then the sizes of the table, the
search index and the search vocabulary (typos are corrected against it).
"""

from __future__ import annotations

import http.client
import os
import statistics
import time
import urllib.parse
from pathlib import Path

from bench.server import serve, stop

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("CATALOG_DATA_DIR", str(ROOT / ".data" / "bench-search"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("THROTTLE_ANON_RATE", "100000000/min")
os.environ["CACHE_ENABLED"] = "false"

ITEMS = int(os.environ.get("BENCH_SEARCH_ITEMS", "1000000"))
ROUNDS = int(os.environ.get("BENCH_SEARCH_ROUNDS", "60"))
SCAN_ROUNDS = int(os.environ.get("BENCH_SCAN_ROUNDS", "5"))
PORT = int(os.environ.get("BENCH_PORT", "8766"))
QUERIES = {
    "single word": ["casque", "roman", "lampe", "chemise", "gourde"],
    "multi-word": ["casque sans fil", "roman poche", "pull laine", "lampe bois"],
    "phrase": ['"coton biologique"', '"format poche"', '"charge rapide"'],
    "typo": ["casqe bluetoth", "chemisse", "gourd inox", "samsnug"],
}


def _prepare() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from items.models import Item

    call_command("migrate", verbosity=0)
    missing = ITEMS - Item.objects.count()
    if missing > 0:
        call_command("seed_items", "--count", str(missing), "--seed", "7", "--batch", "20000")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE items_item")


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99


def _time_api(queries: list[str], rounds: int = ROUNDS) -> list[float]:
    samples = []
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    for n in range(rounds):
        path = "/api/items/search/?q=" + urllib.parse.quote(queries[n % len(queries)])
        started = time.perf_counter()
        connection.request("GET", path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        response.read()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, response.status
    connection.close()
    return samples


def _time_icontains(queries: list[str]) -> list[float]:
    from django.db.models import Q

    from items.models import Item

    samples = []
    for n in range(SCAN_ROUNDS):
        words = queries[n % len(queries)].strip('"').split()
        condition = Q()
        for word in words:
            condition &= Q(name__icontains=word) | Q(description__icontains=word)
        started = time.perf_counter()
        list(Item.objects.filter(condition, is_active=True).order_by("id")[:20].values("id"))
        Item.objects.filter(condition, is_active=True).count()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


_SIZES_SQL = """
SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class
WHERE relname IN ('items_item', 'item_search_gin', 'items_search_vocabulary',
                  'search_vocabulary_plain_trgm')
ORDER BY relname
"""


def _sizes() -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_SIZES_SQL)
        sizes = cursor.fetchall()
        cursor.execute("SELECT count(*) FROM items_search_vocabulary")
        return [*sizes, ("vocabulary words", f"{cursor.fetchone()[0]:,}")]


def main() -> None:
    _prepare()
    server = serve(PORT)
    try:
        rows = []
        for kind, queries in QUERIES.items():
            # One warm-up pass, each query once: a steady state has the rows they read in
            # PostgreSQL's buffers; the first read of a cold table measures the disk instead.
            _time_api(queries, rounds=len(queries))
            rows.append(
                (kind, _percentiles(_time_api(queries)), _percentiles(_time_icontains(queries)))
            )
    finally:
        stop(server)
    print(f"\n{ITEMS:,} items; search through the API (cache off) vs icontains scan (ORM)")
    print(f"{'kind':<12} {'search p50':>11} {'p99':>8} {'icontains p50':>14} {'p99':>8}  ms")
    for kind, (s50, s99), (i50, i99) in rows:
        print(f"{kind:<12} {s50:>11.1f} {s99:>8.1f} {i50:>14.1f} {i99:>8.1f}")
    print("sizes (with indexes): " + ", ".join(f"{name} {size}" for name, size in _sizes()))


if __name__ == "__main__":
    main()
