"""Read replicas under load: the share of database reads a real streaming replica takes.

Run with ``make bench-replicas`` or ``python -m bench.replicas``. It seeds ``BENCH_REPLICA_ITEMS``
(5,000) items into ``.data/bench-replicas`` once, makes a streaming replica of that PostgreSQL
with its own ``pg_basebackup``, and serves the API under gunicorn (2 workers) reading from it,
while ``CLIENTS`` clients run the mix of ``bench.mix`` (95% reads, 5% writes) for
``BENCH_REPLICA_SECONDS`` (30) each time: cache on and cache off, with the replica replaying
0, 50 and 400 ms behind the primary (``recovery_min_apply_delay``), and the same mix with no
replica for comparison.

For each run it prints the share of the API's database reads served by the replica (from the
server's own ``catalog_db_reads_total``), the reads a replica made but the change log refused
(read again on the primary), throughput against the same mix with no replica, p99, and the
stale reads, read-your-writes violations and 5xx the clients saw (the target: at 50 ms or less,
80% of the reads or more on the replica, with none of those three).
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import tempfile
from pathlib import Path

from bench.mix import Client, Tally, Written, run
from bench.server import serve, stop

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("CATALOG_DATA_DIR", str(ROOT / ".data" / "bench-replicas"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("THROTTLE_ANON_RATE", "100000000/min")
os.environ.setdefault("THROTTLE_USER_RATE", "100000000/min")
os.environ.setdefault("METRICS_TOKEN", secrets.token_urlsafe(24))

ITEMS = int(os.environ.get("BENCH_REPLICA_ITEMS", "5000"))
SECONDS = float(os.environ.get("BENCH_REPLICA_SECONDS", "30"))
CLIENTS = int(os.environ.get("BENCH_REPLICA_CLIENTS", "4"))
DELAYS_MS = tuple(int(d) for d in os.environ.get("BENCH_REPLICA_DELAYS", "0,50,400").split(","))
PORT = int(os.environ.get("BENCH_PORT", "8767"))
WARM_SECONDS = 3.0
TARGET_SHARE, TARGET_LAG_MS = 0.80, 50
_READS = re.compile(r'^catalog_db_reads_total\{target="([a-z_]+)"\} (\S+)$')


def _prepare() -> tuple[list[str], list[str], int]:
    """Migrate and seed once; (item ids by popularity, a staff token per client, the first
    price to write: above every price stored)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Max
    from rest_framework.authtoken.models import Token

    from items.models import Item, User

    call_command("migrate", verbosity=0)
    missing = ITEMS - Item.objects.count()
    if missing > 0:
        call_command("seed_items", "--count", str(missing), "--seed", "11")
    Item.objects.filter(is_active=False).update(is_active=True)  # every id is readable by all
    tokens = []
    for number in range(CLIENTS):
        user, _ = User.objects.get_or_create(
            username=f"bench-replicas-{number}", defaults={"is_staff": True}
        )
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    ids = [str(i) for i in Item.objects.order_by("?").values_list("id", flat=True)]
    top = Item.objects.aggregate(top=Max("price"))["top"] or 0
    return ids, tokens, int(top) + 1


def _reads() -> dict[str, float]:
    """The server's database reads so far by target (every worker's)."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    token = os.environ["METRICS_TOKEN"]
    connection.request("GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
    text = connection.getresponse().read().decode()
    connection.close()
    found: dict[str, float] = {}
    for line in text.splitlines():
        match = _READS.match(line)
        if match:
            found[match.group(1)] = found.get(match.group(1), 0.0) + float(match.group(2))
    return found


def _measure(clients: list[Client], cache: bool, replica_url: str | None) -> dict:
    env = {
        "CACHE_ENABLED": "true" if cache else "false",
        "DATABASE_REPLICA_URLS": replica_url or "",
        "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="bench-metrics-"),
    }
    server = serve(PORT, **env)
    try:
        run(clients, WARM_SECONDS)
        before = _reads()
        tally = run(clients, SECONDS)
        after = _reads()
    finally:
        stop(server)
    reads = {target: after.get(target, 0.0) - before.get(target, 0.0) for target in after}
    return {"tally": tally, "reads": reads}


def _p99(tally: Tally) -> float:
    ordered = sorted(tally.latencies) or [0.0]
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _row(cache: bool, delay: str, result: dict, baseline: dict | None) -> str:
    tally: Tally = result["tally"]
    reads = result["reads"]
    replica, primary = reads.get("replica", 0.0), reads.get("primary", 0.0)
    share = f"{replica / (replica + primary):.0%}" if replica + primary else "-"
    rate = tally.requests / SECONDS
    against = "1.00x"
    if baseline is not None:
        against = f"{rate / (baseline['tally'].requests / SECONDS):.2f}x"
    return (
        f"| {'on' if cache else 'off'} | {delay} | {share} | {replica:,.0f} / {primary:,.0f} "
        f"| {reads.get('replica_discarded', 0.0):,.0f} | {rate:,.0f} ({against}) "
        f"| {_p99(tally):.1f} | {tally.stale} | {tally.ryw} | {tally.errors} |"
    )


def main() -> None:
    ids, tokens, first_price = _prepare()
    from django.conf import settings

    from tests.support.replica import StreamingReplica

    written = Written(first_price)
    clients = [Client(n, token, ids, written, PORT) for n, token in enumerate(tokens)]
    print(f"{len(ids):,} items, {CLIENTS} clients, {SECONDS:.0f} s per run, 95% reads, 5% writes")
    print(
        "| cache | replica delay ms | replica share | reads replica / primary | refused by the "
        "change log | requests/s (vs no replica) | p99 ms | stale | RYW violations | 5xx |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    replica = StreamingReplica(delay_ms=DELAYS_MS[0])
    database = settings.DATABASES["default"]["NAME"]
    try:
        replica.create()
        failed = False
        for cache in (True, False):
            baseline = _measure(clients, cache, None)
            print(_row(cache, "no replica", baseline, None), flush=True)
            for delay in DELAYS_MS:
                replica.stop()
                replica.delay_ms = delay
                replica.start()
                replica.wait_for(database)
                result = _measure(clients, cache, replica.url(database))
                print(_row(cache, str(delay), result, baseline), flush=True)
                reads, tally = result["reads"], result["tally"]
                total = reads.get("replica", 0.0) + reads.get("primary", 0.0)
                share = reads.get("replica", 0.0) / total if total else 0.0
                failed |= tally.stale > 0 or tally.ryw > 0 or tally.errors > 0
                failed |= delay <= TARGET_LAG_MS and share < TARGET_SHARE
    finally:
        replica.remove()
    verdict = "missed" if failed else "met"
    print(
        f"Target {verdict}: at {TARGET_LAG_MS} ms of lag or less, {TARGET_SHARE:.0%} of the "
        "database reads or more on the replica; 0 stale, 0 read-your-writes violations, 0 5xx."
    )


if __name__ == "__main__":
    main()
