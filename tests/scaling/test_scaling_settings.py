"""The scaling settings refuse what they cannot use, naming the variable, before serving."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.databases import ROOT


def _check(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SECRET_KEY": "x" * 50,
            "DATABASE_URL": "postgres://u@h/d",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_REPLICA_URLS", "mysql://u@h/d", "DATABASE_REPLICA_URLS must list PostgreSQL"),
        ("REPLICA_MAX_LAG", "soon", "REPLICA_MAX_LAG must be a number"),
        ("REDIS_SENTINELS", "sentinel-1", "REDIS_SENTINELS lists host:port pairs"),
        ("REDIS_SENTINELS", "a:1,b:two", "REDIS_SENTINELS lists host:port pairs"),
    ],
)
def test_replica_and_sentinel_settings_refuse_bad_values(name, value, message):
    run = _check(**{name: value, "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert run.returncode != 0
    assert message in run.stderr


def test_replica_and_sentinel_settings_build_the_databases_and_the_cache():
    code = (
        "from config import settings as s; "
        "print(sorted(s.DATABASES), s.DATABASE_ROUTERS, s.CACHES['default']['LOCATION'], "
        "s.CACHES['default']['OPTIONS']['SENTINELS'], s.CACHE_FAILOVER_EPOCH, "
        "s.DATABASES['replica_1']['HOST'], s.DATABASES['replica_1']['ATOMIC_REQUESTS'])"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SECRET_KEY": "x" * 50,
            "DATABASE_URL": "postgres://u@primary/d",
            "DATABASE_REPLICA_URLS": "postgres://u@r0/d, postgres://u@r1/d",
            "REDIS_SENTINELS": "s1:26379,s2:26379,s3:26379",
            "REDIS_SENTINEL_SERVICE": "catalog",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [
        "['default',", "'replica_0',", "'replica_1']",
        "['items.repository.postgres.replicas.ReplicaRouter']",
        "redis://catalog/0",
        "[('s1',", "26379),", "('s2',", "26379),", "('s3',", "26379)]",
        "True", "r1", "False",
    ]  # fmt: skip
