"""The server entry points (``config.wsgi``, ``config.asgi``) finish loading before any request.

A worker imports the URLconf at start (the views, the API, the schema), then freezes what it
loaded out of the garbage collector's reach (``config.warm``): a full collection in a worker
otherwise walked all of it, a 48 ms pause every few hundred requests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("entry", ["config.wsgi", "config.asgi"])
def test_an_entry_point_loads_the_urls_and_freezes_them(entry):
    code = (
        "import gc, sys\n"
        "before = gc.get_freeze_count()\n"
        f"import {entry}\n"
        "print(before, gc.get_freeze_count(), 'items.api.views' in sys.modules)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    before, frozen, views_loaded = run.stdout.split()
    assert before == "0" and int(frozen) > 100_000  # the framework, the app, its URLs
    assert views_loaded == "True"
