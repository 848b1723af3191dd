"""The cache benchmark: the same load with the response cache on, then off, under gunicorn.

Run with ``make bench`` (or ``python -m bench.cache``). It uses its own data folder
(``.data/bench``), seeds it to ``BENCH_ITEMS`` items (100,000) once, then for each cache mode
starts gunicorn with 2 workers and drives it with wrk on loopback: item details over a hot set of
1,000 ids (anonymous, and signed in with a token: ``detail-auth``), category list pages 1-20,
searches, and PATCH writes. It prints requests/s, p50 and
p99 per scenario and the on/off ratios against the targets.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from bench.server import WORKER_CLASS, WORKERS, serve, stop

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("CATALOG_DATA_DIR", str(ROOT / ".data" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
for rate in ("THROTTLE_ANON_RATE", "THROTTLE_USER_RATE"):
    os.environ.setdefault(rate, "100000000/min")

ITEMS = int(os.environ.get("BENCH_ITEMS", "100000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
SCENARIOS = tuple(
    os.environ.get("BENCH_SCENARIOS", "detail,detail-auth,list,search,write").split(",")
)
TARGETS = {"detail": 4.0, "list": 5.0, "write": 0.8}
SEARCH_TERMS = ["casque", "roman", "coton", "lampe", "samsung", "écran sans fil", "livre poche"]


def _prepare() -> tuple[list[str], str]:
    """Migrate, seed to ITEMS, and return (hot ids, a staff token)."""
    import django

    django.setup()
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from items.models import Item, User

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    missing = ITEMS - Item.objects.count()
    if missing > 0:
        call_command("seed_items", "--count", str(missing), "--seed", "42")
    staff, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True})
    token, _ = Token.objects.get_or_create(user=staff)
    ids = [str(i) for i in Item.objects.filter(is_active=True).values_list("id", flat=True)[:1000]]
    return ids, token.key


def _paths(scenario: str, ids: list[str]) -> list[str]:
    if scenario in ("detail", "detail-auth", "write"):
        return [f"/api/items/{i}/" for i in ids]
    if scenario == "list":
        categories = ("electronique", "vetement", "livre", "autre")
        return [f"/api/items/?category={c}&page={p}" for c in categories for p in range(1, 21)]
    return [f"/api/items/search/?q={urllib.request.quote(t)}" for t in SEARCH_TERMS]


def _wrk(scenario: str, paths: list[str], token: str, seconds: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(paths))
    env = {**os.environ, "SCENARIO": scenario, "BENCH_PATHS": handle.name, "BENCH_TOKEN": token}
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(ROOT / "bench" / "scenarios.lua"),
            f"http://127.0.0.1:{PORT}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(handle.name)
    return _parse(out)


def _parse(out: str) -> dict[str, float]:
    def millis(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": millis("50%"),
        "p99": millis("99%"),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def _run_mode(cache_enabled: bool, ids: list[str], token: str) -> dict[str, dict[str, float]]:
    server = serve(PORT, CACHE_ENABLED="true" if cache_enabled else "false")
    try:
        results = {}
        for scenario in SCENARIOS:
            paths = _paths(scenario, ids)
            _wrk(scenario, paths, token, 2)  # warm-up, not measured
            results[scenario] = _wrk(scenario, paths, token, SECONDS)
        return results
    finally:
        stop(server)


def _report(on: dict, off: dict) -> None:
    print(
        f"\n{ITEMS:,} items, gunicorn {WORKERS} {WORKER_CLASS} workers, "
        f"wrk 2 threads 16 connections, {SECONDS} s each"
    )
    print(f"{'scenario':<11} {'cache':<5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for scenario in SCENARIOS:
        for label, run in (("on", on), ("off", off)):
            r = run[scenario]
            print(
                f"{scenario:<11} {label:<5} {r['rps']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} "
                f"{r['errors']:>8.0f}"
            )
    print("\nratio on/off (req/s):")
    for scenario in SCENARIOS:
        ratio = on[scenario]["rps"] / max(off[scenario]["rps"], 0.01)
        target = TARGETS.get(scenario)
        verdict = "" if target is None else (" ok" if ratio >= target else " BELOW TARGET")
        goal = f"(target >= {target}x)" if target else ""
        print(f"  {scenario:<11} {ratio:5.2f}x {goal}{verdict}")


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed for the load: apt-get install wrk (Debian/Ubuntu).")
    ids, token = _prepare()
    on = _run_mode(True, ids, token)
    off = _run_mode(False, ids, token)
    _report(on, off)


if __name__ == "__main__":
    main()
