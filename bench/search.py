"""The search benchmark: ranked full-text search against a plain ``icontains`` scan.

Run with ``make bench-search`` (or ``python -m bench.search``). It uses its own data folder
(``.data/bench-search``), seeds it to ``BENCH_SEARCH_ITEMS`` items (1,000,000) once, builds the
search engine's index (timed, unless ``SEARCH_ENGINE=postgres``), serves the API under gunicorn
with the cache off, and times single-word, multi-word, phrase and typo queries, and searches
with ``facets=category,tags,price``, through HTTP; then it times the same words as
``name``/``description`` ``icontains`` scans over the same rows. It prints p50 and p99 per kind,
the share of searches the engine answered (read from the server's ``/metrics``: engine answers
against fallbacks to SQL), the index's size and build time, then the sizes of the table, the
search index and the search vocabulary (typos are corrected against it).
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench.server import metrics_text, serve, stop

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("CATALOG_DATA_DIR", str(ROOT / ".data" / "bench-search"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("THROTTLE_ANON_RATE", "100000000/min")
os.environ["CACHE_ENABLED"] = "false"
os.environ.setdefault("METRICS_TOKEN", secrets.token_urlsafe(24))

ITEMS = int(os.environ.get("BENCH_SEARCH_ITEMS", "1000000"))
ROUNDS = int(os.environ.get("BENCH_SEARCH_ROUNDS", "60"))
SCAN_ROUNDS = int(os.environ.get("BENCH_SCAN_ROUNDS", "5"))
PORT = int(os.environ.get("BENCH_PORT", "8766"))
FACETS = "&facets=category,tags,price"
QUERIES = {
    "single word": ["casque", "roman", "lampe", "chemise", "gourde"],
    "multi-word": ["casque sans fil", "roman poche", "pull laine", "lampe bois"],
    "phrase": ['"coton biologique"', '"format poche"', '"charge rapide"'],
    "typo": ["casqe bluetoth", "chemisse", "gourd inox", "samsnug"],
    "+ facets": ["casque", "roman poche", '"coton biologique"', "chemisse"],
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


def _engine_on() -> bool:
    return os.environ.get("SEARCH_ENGINE", "tantivy") != "postgres"


def _build_index() -> tuple[float, str] | None:
    """Build the engine's index from one snapshot (``manage.py search_index rebuild``), timed;
    its build time and size, or None when the engine is off (or this tree has none)."""
    if not _engine_on() or not (ROOT / "items/management/commands/search_index.py").exists():
        return None
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "search_index", "rebuild"], cwd=ROOT, check=True)
    elapsed = time.perf_counter() - started
    from django.conf import settings

    folder = Path(settings.SEARCH_INDEX_DIR)
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    return elapsed, f"{size / 1e6:,.0f} MB"


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99


def _time_api(queries: list[str], rounds: int = ROUNDS, extra: str = "") -> list[float]:
    samples = []
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    for n in range(rounds):
        path = "/api/items/search/?q=" + urllib.parse.quote(queries[n % len(queries)]) + extra
        started = time.perf_counter()
        connection.request("GET", path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        response.read()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, response.status
    connection.close()
    return samples


_COUNTER = re.compile(r"^(catalog_search_(?:engine_answers|fallbacks)_total)\{([^}]*)\} (\S+)$")


def _answers() -> dict[str, float]:
    """The server's engine answers and fallbacks so far (every worker's), by kind of answer."""
    found: dict[str, float] = {}
    for line in metrics_text(PORT).splitlines():
        match = _COUNTER.match(line)
        if match:
            name, labels, value = match.groups()
            key = "engine" if "engine" in name else f"fallback {labels}"
            found[key] = found.get(key, 0.0) + float(value)
    return found


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


def _measure() -> tuple[list, dict[str, float]]:
    rows = []
    for kind, queries in QUERIES.items():
        extra = FACETS if kind == "+ facets" else ""
        # A warm-up pass, each query a few times (every worker gets some): a steady state has
        # the rows they read in PostgreSQL's buffers and each worker its connections; the
        # first read of a cold table measures the disk instead.
        _time_api(queries, rounds=len(queries) * 4, extra=extra)
        timed = _percentiles(_time_api(queries, extra=extra))
        rows.append((kind, timed, _percentiles(_time_icontains(queries))))
    return rows, _answers()


def main() -> None:
    _prepare()
    built = _build_index()
    with tempfile.TemporaryDirectory() as metrics_folder:
        server = serve(PORT, PROMETHEUS_MULTIPROC_DIR=metrics_folder)
        try:
            rows, answers = _measure()
        finally:
            stop(server)
    print(f"\n{ITEMS:,} items; search through the API (cache off) vs icontains scan (ORM)")
    print(f"{'kind':<12} {'search p50':>11} {'p99':>8} {'icontains p50':>14} {'p99':>8}  ms")
    for kind, (s50, s99), (i50, i99) in rows:
        print(f"{kind:<12} {s50:>11.1f} {s99:>8.1f} {i50:>14.1f} {i99:>8.1f}")
    engine = answers.pop("engine", 0.0)
    total = engine + sum(answers.values())
    share = f"{engine / total:.1%}" if total else "n/a (no engine counters)"
    print(f"engine answered {engine:,.0f} of {total:,.0f} searches and facet counts: {share}")
    for reason, count in sorted(answers.items()):
        print(f"  {reason}: {count:,.0f}")
    if built is not None:
        print(f"engine index: {built[1]}, built in {built[0]:.1f} s (search_index rebuild)")
    print("sizes (with indexes): " + ", ".join(f"{name} {size}" for name, size in _sizes()))


if __name__ == "__main__":
    main()
