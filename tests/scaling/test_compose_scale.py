"""The docker compose ``scale`` profile, checked for its structure (no Docker needed): a
primary and a streaming replica behind PgBouncer in transaction mode, a Redis master and replica
with three Sentinels, two app servers set up for all of it behind a load balancer."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
SCALE = {name: s for name, s in SERVICES.items() if "scale" in s.get("profiles", [])}


def _mounted(service: dict) -> dict[str, str]:
    """Files the service mounts: path in the container -> the repository's file."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            mounts[target] = (ROOT / source).read_text()
    return mounts


def test_compose_scale_profile_has_replica_pgbouncer_sentinel_and_two_app_servers():
    assert set(SCALE) == {
        "pg-primary", "pg-replica", "pgbouncer", "redis-master", "redis-replica",
        "sentinel-1", "sentinel-2", "sentinel-3", "app-1", "app-2", "lb",
    }  # fmt: skip
    # Every dependency of a scale service is a scale service: `--profile scale up lb` is whole.
    for name, service in SCALE.items():
        depends = service.get("depends_on", [])
        assert set(depends) <= set(SCALE), name
    assert set(SERVICES["lb"]["depends_on"]) == {"app-1", "app-2"}


def test_compose_scale_replica_streams_from_the_primary():
    primary, replica = SCALE["pg-primary"], SCALE["pg-replica"]
    assert "wal_level=replica" in primary["command"]
    init = _mounted(primary)["/docker-entrypoint-initdb.d/replication.sh"]
    assert "REPLICATION" in init and "host replication replicator" in init
    script = _mounted(replica)["/replica.sh"]
    assert re.search(r"pg_basebackup .*-R", script.replace("\\\n", " "))
    assert "hot_standby=on" in script
    assert replica["environment"]["PRIMARY_HOST"] == "pg-primary"


def test_compose_scale_pgbouncer_pools_by_transaction_for_both_databases():
    ini = (ROOT / "config/docker/scale/pgbouncer.ini").read_text()
    assert re.search(r"^pool_mode = transaction$", ini, re.M)
    assert re.search(r"^catalog = host=pg-primary ", ini, re.M)
    assert re.search(r"^catalog_replica = host=pg-replica ", ini, re.M)
    dockerfile = (ROOT / SCALE["pgbouncer"]["build"]["dockerfile"]).read_text()
    assert "apt-get install" in dockerfile and "pgbouncer" in dockerfile


def test_compose_scale_sentinels_watch_the_redis_master_with_a_quorum():
    assert SCALE["redis-replica"]["command"][-3:] == ["--replicaof", "redis-master", "6379"]
    sentinels = [SCALE[f"sentinel-{n}"] for n in (1, 2, 3)]
    for sentinel in sentinels:
        script = _mounted(sentinel)["/sentinel.sh"]
        assert "--sentinel" in script and "sentinel monitor $SERVICE $MASTER_HOST" in script
        assert sentinel["environment"] == {
            "MASTER_HOST": "redis-master", "SERVICE": "catalog", "QUORUM": "2"
        }  # fmt: skip


def test_compose_scale_app_servers_use_replica_pgbouncer_and_sentinel():
    for name in ("app-1", "app-2"):
        env = SCALE[name]["environment"]
        assert "@pgbouncer:6432/catalog" in env["DATABASE_URL"]
        assert "@pgbouncer:6432/catalog_replica" in env["DATABASE_REPLICA_URLS"]
        assert env["DB_PGBOUNCER"] == "true"
        sentinels = env["REDIS_SENTINELS"].split(",")
        assert sentinels == [f"sentinel-{n}:26379" for n in (1, 2, 3)]
        assert env["REDIS_SENTINEL_SERVICE"] == "catalog"
    nginx = _mounted(SCALE["lb"])["/etc/nginx/conf.d/default.conf"]
    assert re.findall(r"server (app-\d):8000;", nginx) == ["app-1", "app-2"]
