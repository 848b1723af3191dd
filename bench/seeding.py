"""The seeding benchmark: ``seed_items`` against ``loaddata`` of the very same items.

Run with ``make bench-seed`` (or ``python -m bench.seeding``). In a scratch database it seeds
``BENCH_SEED_ITEMS`` items (20,000) with ``seed_items``, dumps them to a fixture, empties the
table, and loads that fixture with ``loaddata``; then it prints both times and the ratio
(the target is at least 10x).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("CATALOG_DATA_DIR", str(ROOT / ".data" / "bench-seed"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

ITEMS = int(os.environ.get("BENCH_SEED_ITEMS", "20000"))


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from items.models import Item

    call_command("migrate", verbosity=0)
    Item.objects.all().delete()
    seeded = _timed(lambda: call_command("seed_items", "--count", str(ITEMS), "--seed", "5"))
    with tempfile.TemporaryDirectory() as folder:
        fixture = Path(folder) / "seeded.json"
        call_command("dumpdata", "items.item", output=str(fixture), verbosity=0)
        Item.objects.all().delete()
        loaded = _timed(lambda: call_command("loaddata", str(fixture), verbosity=0))
    assert Item.objects.count() == ITEMS
    print(
        f"\n{ITEMS:,} items: seed_items {seeded:.1f} s ({ITEMS / seeded:,.0f}/s), "
        f"loaddata {loaded:.1f} s ({ITEMS / loaded:,.0f}/s)"
    )
    ratio = loaded / seeded
    print(
        f"seed_items is {ratio:.1f}x faster than loaddata (target >= 10x)"
        + ("" if ratio >= 10 else " BELOW TARGET")
    )


if __name__ == "__main__":
    main()
