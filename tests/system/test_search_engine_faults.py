"""The search engine's faults, against real processes: answers stay right while it recovers.

gunicorn serves a scratch catalog with the engine on, its index indexed by its own thread or
by ``manage.py search_index follow`` processes; writes are raw SQL (the triggers see every
writer). In each fault every search answers what the database holds (from SQL while the
engine cannot), and the engine answers again afterwards (read from the server's ``/metrics``):

- the index directory deleted while serving;
- the index's files damaged: refused, served from SQL, rebuilt;
- two processes racing to index: one is elected, the other takes over when it dies;
- the indexer killed in the middle of a batch: nothing half-applied is ever served;
- a restore: nothing indexed before it is served after it;
- a long import transaction open while others commit and search.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import psycopg
import pytest

from tests.support.search_engine import (
    Follower,
    eventually,
    search_names,
    served_counts,
    served_env,
)
from tests.support.served import Gunicorn, request

pytestmark = pytest.mark.django_db
ITEMS = 1500


def _insert(scratch, name: str) -> None:
    scratch.query(
        "INSERT INTO items_item (id, name, description, price, category, tags, is_active, "
        f"created_at, updated_at) VALUES (gen_random_uuid(), '{name}', '', 12, 'autre', "
        "'{}', true, now(), now())"
    )


def _count(port: int, text: str) -> int:
    status, body = request(port, "GET", f"/api/items/search/?q={text}")
    assert status == 200, body
    return body["count"]


def _engine_answers(port: int, text: str, expected: list[str]) -> bool:
    """Whether a search for ``text`` finds ``expected`` and was the engine's answer."""
    before = served_counts(port)["engine"]
    assert search_names(port, text) == expected  # right, whoever answered
    return served_counts(port)["engine"] > before


@pytest.fixture
def catalog(scratch, tmp_path):
    scratch.manage("migrate", "--noinput")
    scratch.manage("seed_items", "--count", str(ITEMS), "--seed", "9")
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    return served_env(scratch, tmp_path / "index", PROMETHEUS_MULTIPROC_DIR=str(metrics))


@pytest.fixture
def served(catalog):
    server = Gunicorn(catalog, workers=2, threads=4)
    yield server
    server.stop()


def _removed(root: Path) -> bool:
    """``rm -r root`` done: False when the indexer wrote a file into a folder as it was emptied
    ("Directory not empty"), to be tried again, as an operator would."""
    try:
        shutil.rmtree(root)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def test_the_index_directory_deleted_while_serving(scratch, catalog, served):
    port, root = served.port, Path(catalog["SEARCH_INDEX_DIR"])
    _insert(scratch, "Zèbre en bois")
    eventually(lambda: _engine_answers(port, "zebre", ["Zèbre en bois"]))
    eventually(lambda: _removed(root))
    _insert(scratch, "Zèbre en peluche")
    assert search_names(port, "zebre") == ["Zèbre en bois", "Zèbre en peluche"]
    eventually(lambda: _engine_answers(port, "zebre", ["Zèbre en bois", "Zèbre en peluche"]))
    assert (root / "CURRENT").exists()
    assert not {"error"} & set(served_counts(port))


def test_damaged_files_are_refused_served_from_sql_and_rebuilt(scratch, catalog, tmp_path):
    root = Path(catalog["SEARCH_INDEX_DIR"])
    scratch.manage("search_index", "build", SEARCH_INDEX_DIR=str(root))
    generation = root / (root / "CURRENT").read_text()
    largest = max(generation.glob("*.idx"), key=lambda path: path.stat().st_size)
    data = bytearray(largest.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle of the postings
    largest.write_bytes(bytes(data))
    server = Gunicorn({**catalog, "SEARCH_INDEXER": "false"}, workers=2)
    follower = None
    try:
        _insert(scratch, "Zèbre abîmé")
        assert search_names(server.port, "zebre") == ["Zèbre abîmé"]
        counts = served_counts(server.port)
        assert counts["damaged"] >= 1 and counts["engine"] == 0, counts
        assert (generation / "DAMAGED").exists()
        follower = Follower(catalog)
        eventually(lambda: _engine_answers(server.port, "zebre", ["Zèbre abîmé"]))
        assert not generation.exists()  # the damaged generation is gone with its rebuild
    finally:
        server.stop()
        if follower is not None:
            follower.stop()


def _elected(logs: list[Path]) -> list[int]:
    return [n for n, log in enumerate(logs) if "elected" in log.read_text()]


def test_two_processes_racing_to_index_elect_one(scratch, catalog, tmp_path):
    server = Gunicorn({**catalog, "SEARCH_INDEXER": "false"}, workers=1)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    followers = [Follower(catalog, log) for log in logs]
    try:
        eventually(lambda: len(_elected(logs)) == 1)
        _insert(scratch, "Zèbre rayé")
        eventually(lambda: _engine_answers(server.port, "zebre", ["Zèbre rayé"]))
        time.sleep(1.5)  # several elections of the other one, all lost
        (winner,) = _elected(logs)
        followers[winner].kill()
        eventually(lambda: len(_elected(logs)) == 2)
        _insert(scratch, "Zèbre tacheté")
        expected = ["Zèbre rayé", "Zèbre tacheté"]
        eventually(lambda: _engine_answers(server.port, "zebre", expected))
    finally:
        server.stop()
        for follower in followers:
            follower.stop()


def _status(scratch, catalog) -> dict:
    run = scratch.manage("search_index", "status", SEARCH_INDEX_DIR=catalog["SEARCH_INDEX_DIR"])
    return json.loads(run.stdout)


def _update_then_hold_the_table(scratch) -> tuple[psycopg.Connection, threading.Thread]:
    """Rename every item, and hold the items table from the moment that commits: the lock
    waits in line behind the update, so it is granted at its commit, before the indexer (woken
    by that commit) can read the changed rows. The indexer then stops in mid-batch."""
    writer, holder = psycopg.connect(scratch.url), psycopg.connect(scratch.url)
    writer.execute("UPDATE items_item SET name = 'Zèbre ' || name")  # every item, not committed
    waiting = threading.Thread(
        target=holder.execute, args=["LOCK TABLE items_item IN ACCESS EXCLUSIVE MODE"]
    )
    waiting.start()
    eventually(lambda: scratch.query(LOCK_WAITERS)[0][0] == 1)
    writer.commit()
    writer.close()
    waiting.join(timeout=30)
    return holder, waiting


LOCK_WAITERS = (
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
    "AND query LIKE 'LOCK TABLE items_item%'"
)


def test_the_indexer_killed_mid_batch_leaves_nothing_half_applied(scratch, catalog, tmp_path):
    log = tmp_path / "follower.log"
    follower = Follower(catalog, log)
    server = Gunicorn({**catalog, "SEARCH_INDEXER": "false"}, workers=1)
    try:
        eventually(lambda: _status(scratch, catalog).get("state") == "fresh")
        before = _status(scratch, catalog)["snapshot"]
        holder, _ = _update_then_hold_the_table(scratch)
        eventually(lambda: "applying" in log.read_text(), seconds=10)  # it read the changes
        time.sleep(0.2)  # and waits for the rows
        os.kill(follower.process.pid, signal.SIGKILL)
        follower.process.wait(timeout=30)
        holder.rollback()
        holder.close()
        status = _status(scratch, catalog)
        assert status["snapshot"] == before and status["pending_items"] == ITEMS, status
        (active,) = scratch.query("SELECT count(*) FROM items_item WHERE is_active")[0]
        assert _count(server.port, "zebre") == active  # from SQL: the index lacks the batch
        assert served_counts(server.port)["engine"] == 0
        follower = Follower(catalog)
        eventually(lambda: _status(scratch, catalog).get("state") == "fresh")
        assert _count(server.port, "zebre") == active
        assert served_counts(server.port)["engine"] == 1
    finally:
        server.stop()
        follower.stop()


def test_nothing_indexed_before_a_restore_is_served_after_it(scratch, catalog, served, tmp_path):
    _insert(scratch, "Zèbre sauvegardé")
    eventually(lambda: _engine_answers(served.port, "zebre", ["Zèbre sauvegardé"]))
    dump = scratch.manage("backup", "--output-dir", str(tmp_path)).stdout.strip()
    _insert(scratch, "Zèbre perdu")
    eventually(lambda: _engine_answers(served.port, "zebre", ["Zèbre perdu", "Zèbre sauvegardé"]))
    scratch.manage("restore", dump, "--force")
    assert search_names(served.port, "zebre") == ["Zèbre sauvegardé"]
    eventually(lambda: _engine_answers(served.port, "zebre", ["Zèbre sauvegardé"]))
    assert served_counts(served.port)["build other database"] == 1  # the restore's


def test_a_long_import_transaction_holds_back_no_other_write(scratch, catalog, served):
    port = served.port
    with psycopg.connect(scratch.url) as importing:
        importing.execute(
            "INSERT INTO items_item (id, name, description, price, category, tags, is_active, "
            "created_at, updated_at) VALUES (gen_random_uuid(), 'Moquette importée', '', 5, "
            "'livre', '{}', true, now(), now())"
        )  # psycopg opened a transaction: it stays open until the block ends
        for n in range(5):
            _insert(scratch, f"Zèbre {n}")
            names = [f"Zèbre {m}" for m in range(n + 1)]
            eventually(lambda names=names: _engine_answers(port, "zebre", names))
        assert search_names(port, "moquette") == []
    eventually(lambda: _engine_answers(port, "moquette", ["Moquette importée"]))
