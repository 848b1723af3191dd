"""The README's commands work as written, also with external servers and no secret key set.

``make test`` with ``DATABASE_URL`` and ``REDIS_URL`` set (the README's external-services
variant) must not run anything under the production settings, which refuse to start without
``DJANGO_SECRET_KEY``: the migration check runs inside the suite, under the test settings.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess

import pytest
from django.conf import settings

from tests.support.databases import ROOT


def _external_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@/{db['NAME']}?host={db['HOST']}&port={db['PORT']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DATABASE_URL=url, REDIS_URL=settings.CACHES["default"]["LOCATION"])
    return env


def test_make_test_runs_no_command_under_production_settings():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    plan = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", "test"],
        cwd=ROOT,
        env=_external_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    commands = [line for line in plan if "manage.py" in line]
    for line in commands:
        done = subprocess.run(
            shlex.split(line), cwd=ROOT, env=_external_env(), capture_output=True, text=True
        )
        assert done.returncode == 0, f"{line}\n{done.stderr[-2000:]}"
