"""The search engine in tests: an index of the test's own, brought up to date on demand, and
the engine's counters, so that a test can require the engine (not SQL) to have answered; and
the engine in served processes (gunicorn, ``manage.py search_index follow``) for fault tests,
with the server's own counters read from ``/metrics``."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from prometheus_client import REGISTRY

from items.repository.search_engine import Indexer, IndexerThread, Storage, answers
from tests.support.databases import ROOT
from tests.support.processes import dies_with_parent
from tests.support.served import exchange, request


def engine_counts() -> Counter:
    """Engine answers (``engine <kind>``), fallbacks (``<reason>``) and index builds (``build
    <reason>``) so far, in this process."""
    found: Counter = Counter()
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if sample.name == "catalog_search_engine_answers_total":
                found[f"engine {sample.labels['kind']}"] += sample.value
            elif sample.name == "catalog_search_fallbacks_total":
                found[sample.labels["reason"]] += sample.value
            elif sample.name == "catalog_search_index_builds_total":
                found[f"build {sample.labels['reason']}"] += sample.value
    return found


class Counted:
    """The engine's answers and fallbacks since this was made."""

    def __init__(self) -> None:
        self.before = engine_counts()

    def since(self) -> Counter:
        now = engine_counts()
        return Counter({k: now[k] - self.before[k] for k in now if now[k] != self.before[k]})

    def engine(self) -> float:
        return sum(n for k, n in self.since().items() if k.startswith("engine "))

    def fallbacks(self) -> Counter:
        return Counter(
            {k: n for k, n in self.since().items() if not k.startswith(("engine ", "build "))}
        )


class TestIndex:
    """An index directory of one test, and its indexer run by hand (``sync``) or in the
    background (``follow``)."""

    __test__ = False

    def __init__(self, root: Path) -> None:
        self.root = root
        self.storage = Storage(root)
        self.indexer = Indexer(self.storage)
        self.thread: IndexerThread | None = None

    def sync(self) -> None:
        """Apply everything committed now (building the index first if there is none)."""
        self.indexer.step()

    def follow(self) -> IndexerThread:
        self.thread = IndexerThread(self.root)
        self.thread.start()
        return self.thread

    def close(self) -> None:
        """Stop indexing, and unregister: the index goes with the test."""
        if self.thread is not None:
            self.thread.stop()
        self.indexer.close()
        answers.reader_of.cache_clear()
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM search_engine.indexers WHERE name = %s", [self.indexer.name]
            )


@pytest.fixture
def index(settings, tmp_path):
    """The engine on, with an index directory of the test's own (not built yet)."""
    settings.SEARCH_ENGINE = "tantivy"
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    made = TestIndex(settings.SEARCH_INDEX_DIR)
    yield made
    made.close()


@pytest.fixture
def counted() -> Counted:
    """The engine's answers and fallbacks from now on."""
    return Counted()


# --- The engine in served processes: gunicorn and ``manage.py search_index`` ---------------

_COUNTER = re.compile(
    r"^catalog_search_(engine_answers|fallbacks|index_builds)_total\{([^}]*)\} (\S+)$"
)


def served_env(scratch, root: Path, **extra: str) -> dict[str, str]:
    """A scratch database's environment with the engine on, indexing ``root``."""
    return {
        **scratch.env,
        "SEARCH_ENGINE": "tantivy",
        "SEARCH_INDEX_DIR": str(root),
        "SEARCH_INDEXER": "true",
        "SEARCH_ELECTION_SECONDS": "0.3",
        "SEARCH_POLL_SECONDS": "0.2",
        "CACHE_ENABLED": "false",
        "METRICS_TOKEN": "engine-metrics",
        "THROTTLE_ANON_RATE": "100000/min",
        **extra,
    }


def served_counts(port: int) -> Counter:
    """A server's engine answers (``engine``), fallbacks by reason and index builds (``build
    <reason>``), every worker's."""
    status, _, body = exchange(
        port, "GET", "/metrics", headers={"Authorization": "Bearer engine-metrics"}
    )
    assert status == 200, body
    found: Counter = Counter()
    for line in body.decode().splitlines():
        match = _COUNTER.match(line)
        if match:
            kind, labels, value = match.groups()
            reason = dict(re.findall(r'(\w+)="([^"]*)"', labels)).get("reason")
            key = {"engine_answers": "engine", "index_builds": f"build {reason}"}.get(kind, reason)
            found[key] += float(value)
    return found


def search_names(port: int, text: str) -> list[str]:
    status, body = request(port, "GET", f"/api/items/search/?q={text}&page_size=100")
    assert status == 200, body
    return sorted(item["name"] for item in body["results"])


class Follower:
    """``manage.py search_index follow``: an indexer process of its own."""

    def __init__(self, env: dict[str, str], log: Path | None = None) -> None:
        """``log``: where its log lines go (else nowhere)."""
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "search_index", "follow"],
            cwd=ROOT,
            env={**env, "LOG_FORMAT": "plain"},
            stdout=subprocess.DEVNULL,
            stderr=open(log, "w") if log is not None else subprocess.DEVNULL,  # noqa: SIM115
            preexec_fn=dies_with_parent,
        )

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def eventually(check, seconds: float = 30.0) -> None:
    """Wait until ``check()`` holds, failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.1)
