"""The search engine in tests: an index of the test's own, brought up to date on demand, and
the engine's counters, so that a test can require the engine (not SQL) to have answered."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from items.repository.search_engine import Indexer, IndexerThread, Storage, answers


def engine_counts() -> Counter:
    """Engine answers (``engine <kind>``) and fallbacks (``<reason>``) so far, this process."""
    found: Counter = Counter()
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if sample.name == "catalog_search_engine_answers_total":
                found[f"engine {sample.labels['kind']}"] += sample.value
            elif sample.name == "catalog_search_fallbacks_total":
                found[sample.labels["reason"]] += sample.value
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
        return Counter({k: n for k, n in self.since().items() if not k.startswith("engine ")})


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
        if self.thread is not None:
            self.thread.stop()
        self.indexer.close()
        answers.reader_of.cache_clear()


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
