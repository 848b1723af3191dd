"""``seed_items`` interrupted with Ctrl-C (issue 29, item 10): a real SIGINT to a real process
ends it with one line saying nothing was stored, no traceback, and nothing is stored."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from tests.support.databases import ROOT

pytestmark = pytest.mark.django_db(transaction=True)


def _until_copying(scratch, seeding: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and seeding.poll() is None:
        if scratch.query(
            "SELECT 1 FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'COPY %'"
        ):
            return
        time.sleep(0.05)
    raise AssertionError("the seed never started loading")


@pytest.mark.parametrize("count", ["40000", "200000"], ids=["direct", "staged"])
def test_ctrl_c_prints_one_line_and_stores_nothing(scratch, count):
    scratch.manage("migrate", "--noinput")
    seeding = subprocess.Popen(
        [sys.executable, "manage.py", "seed_items", "--count", count, "--batch", "500"],
        cwd=ROOT,
        env=scratch.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _until_copying(scratch, seeding)
        seeding.send_signal(signal.SIGINT)
        _, err = seeding.communicate(timeout=60)
    finally:
        if seeding.poll() is None:
            seeding.kill()
            seeding.wait()
    assert seeding.returncode == 130
    assert "Traceback" not in err
    assert err.strip().splitlines() == [
        "CommandError: Interrupted: nothing was stored (the seed is one transaction)."
    ], err
    assert scratch.query("SELECT count(*) FROM items_item") == [(0,)]
