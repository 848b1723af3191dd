"""The embedded PostgreSQL runs with memory settings sized to the machine, from its first start."""

from __future__ import annotations

import os
import subprocess
import sys

from core.embedded import tuning
from tests.support.databases import ROOT

GB = 1024 * tuning.MB

SHOW = (
    "from django.db import connection\n"
    "with connection.cursor() as cursor:\n"
    "    for name in ('shared_buffers', 'work_mem', 'effective_cache_size'):\n"
    "        cursor.execute('SHOW ' + name)\n"
    "        print(name, cursor.fetchone()[0])\n"
)


def test_a_quarter_of_the_memory_within_bounds():
    assert tuning.settings(2 * GB)["shared_buffers"] == "512MB"
    assert tuning.settings(256 * tuning.MB)["shared_buffers"] == "128MB"  # initdb's own floor
    assert tuning.settings(64 * GB)["shared_buffers"] == "1024MB"  # it shares a laptop
    assert tuning.settings(2 * GB)["effective_cache_size"] == "1024MB"
    assert tuning.settings(2 * GB)["work_mem"] == "16MB"


def test_the_settings_file_is_written_once_and_included_once(tmp_path):
    (tmp_path / "postgresql.conf").write_text("max_connections = 100\n")
    tuning.write_settings(tmp_path, memory=2 * GB)
    tuning.write_settings(tmp_path, memory=2 * GB)
    assert (tmp_path / "postgresql.conf").read_text().splitlines() == [
        "max_connections = 100",
        tuning.INCLUDE,
    ]
    assert "shared_buffers = '512MB'" in (tmp_path / tuning.SETTINGS_FILE).read_text()
    tuning.write_settings(tmp_path, memory=8 * GB)  # a machine with more memory
    assert "shared_buffers = '1024MB'" in (tmp_path / tuning.SETTINGS_FILE).read_text()
    assert (tmp_path / "postgresql.conf").read_text().count(tuning.INCLUDE) == 1


def test_a_new_embedded_server_starts_with_them(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(CATALOG_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", SHOW],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    running = dict(line.split(" ", 1) for line in shown.splitlines())
    expected = tuning.settings(tuning.machine_memory())

    def megabytes(value: str) -> int:
        number, unit = int(value[:-2]), value[-2:]
        return number * {"MB": 1, "GB": 1024}[unit]

    assert {name: megabytes(value) for name, value in running.items()} == {
        name: megabytes(value) for name, value in expected.items()
    }


def test_a_container_limit_counts_as_the_machine(tmp_path):
    limited, unlimited = tmp_path / "memory.max", tmp_path / "v1.limit"
    limited.write_text(f"{1 * GB}\n")
    unlimited.write_text("max\n")
    assert tuning.machine_memory((unlimited,)) > 1 * GB  # this machine's memory
    assert tuning.machine_memory((unlimited, limited)) == 1 * GB
    assert tuning.settings(tuning.machine_memory((limited,)))["shared_buffers"] == "256MB"
