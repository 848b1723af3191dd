"""The embedded PostgreSQL's memory settings, sized to the machine rather than to initdb's floor.

initdb writes ``shared_buffers = 128MB``, the default made for servers that share a small
machine. A catalog of a million items is a 360 MB table: with 128 MB most of a search's or a
list's row reads miss PostgreSQL's own buffers and copy pages from the operating system, three
times slower than a hit. PostgreSQL's documentation suggests a quarter of the memory for a
dedicated server; the embedded one takes that of the machine's memory, or of its container's
limit when lower, within bounds (it shares a laptop), and the planner is told how much the
operating system caches. Shared memory is only touched as pages are read, so a small catalog
uses little of it.

The settings live in their own file (``catalog.conf``), included from ``postgresql.conf``,
and are written before the server starts (they take effect at its next start); replicas made
with ``pg_basebackup`` copy them. An external ``DATABASE_URL`` is configured by its operator.
"""

from __future__ import annotations

import os
from pathlib import Path

SETTINGS_FILE = "catalog.conf"
INCLUDE = f"include_if_exists = '{SETTINGS_FILE}'"
MB = 1024 * 1024
SHARED_BUFFERS_MIN, SHARED_BUFFERS_MAX = 128 * MB, 1024 * MB
WORK_MEM = 16 * MB  # a search's ranking and count of tens of thousands of rows stays in memory


# A container's memory limit (cgroup v2, then v1): the machine's memory is not all its own.
CGROUP_LIMITS = (
    Path("/sys/fs/cgroup/memory.max"),
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
)


def machine_memory(limits: tuple[Path, ...] = CGROUP_LIMITS) -> int:
    """The memory this process may use, in bytes: the machine's physical memory, or the
    container's limit when it is lower (a small machine's when neither can be read)."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = 2048 * MB
    for limit in limits:
        try:
            memory = min(memory, int(limit.read_text().strip()))  # "max": no limit, skipped
        except (OSError, ValueError):
            continue
    return memory


def settings(memory: int) -> dict[str, str]:
    """The memory settings for a machine with ``memory`` bytes."""
    shared = min(max(memory // 4, SHARED_BUFFERS_MIN), SHARED_BUFFERS_MAX)
    return {
        "shared_buffers": f"{shared // MB}MB",
        "effective_cache_size": f"{max(memory // 2, shared) // MB}MB",
        "work_mem": f"{WORK_MEM // MB}MB",
    }


def write_settings(pgdata: Path, memory: int | None = None) -> None:
    """Write ``catalog.conf`` into an initialised ``pgdata`` and include it (idempotent)."""
    values = settings(machine_memory() if memory is None else memory)
    text = "# Written by Catalog at each start of its embedded server (core/embedded/tuning).\n"
    text += "".join(f"{name} = '{value}'\n" for name, value in values.items())
    target = pgdata / SETTINGS_FILE
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
        target.chmod(0o644)  # read by the server's own account when run as root
    main = pgdata / "postgresql.conf"
    lines = main.read_text().splitlines()
    if INCLUDE not in lines:
        main.write_text("\n".join([*lines, INCLUDE]) + "\n")
