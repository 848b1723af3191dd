"""PostgreSQL dumps through ``pg_dump``/``pg_restore``: written, read back, replayed whole.

The tools shipped with the embedded PostgreSQL serve external servers too. ``check_readable``
reads a whole dump without touching any database, so a restore can refuse an unreadable one
before it drops anything; ``restore_dump`` then replays it in one transaction that stops at
the first error (through ``psql`` for a server older than the tools). Every failure is a
``BackupError`` of one line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from django.db import connection

from core.embedded import bundled_postgres_tool


class BackupError(RuntimeError):
    """A backup that cannot be restored, or a restore whose result differs from it."""


def _tool(name: str) -> str:
    found = bundled_postgres_tool(name) or shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found (install PostgreSQL's client tools).")
    return str(found)


def _connection_args() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["--dbname", db["NAME"], "--username", db["USER"] or "postgres"]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return args, env


def _first_error(stderr: str) -> str:
    """The line of a tool's output that says what went wrong, for a one-line message."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["no message"])[0]


def dump_database(target: Path, *, snapshot: str) -> None:
    """``pg_dump`` the database (custom format) as of an exported ``snapshot``."""
    args, env = _connection_args()
    command = [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--file"]
    result = subprocess.run([*command, str(target), *args], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        target.unlink(missing_ok=True)  # no half dump left to be mistaken for a backup
        raise BackupError(f"pg_dump failed: {_first_error(result.stderr)}")


def check_readable(dump: Path) -> None:
    """Read every part of ``dump`` (its table of contents and each table's data), writing
    nothing anywhere; ``BackupError`` naming the first thing that cannot be read."""
    result = subprocess.run(
        [_tool("pg_restore"), f"--file={os.devnull}", str(dump)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"{dump.name} cannot be read: {_first_error(result.stderr)}")


def _server_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0])


def restore_dump(dump: Path, *, replace: bool) -> None:
    """Replay ``dump`` in one transaction, stopping at the first error (which undoes it all)."""
    args, env = _connection_args()
    options = ["--no-owner", "--no-privileges"] + (["--clean", "--if-exists"] if replace else [])
    older_server = _server_version() < 170000
    connection.close()
    if older_server:
        _restore_through_psql(dump, options, args, env)
        return
    command = [_tool("pg_restore"), "--single-transaction", "--exit-on-error", *options, *args]
    result = subprocess.run([*command, str(dump)], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed, nothing restored: {_first_error(result.stderr)}")


# pg_restore 17+ starts its script with a setting servers before 17 do not know.
_NEWER_ONLY = b"SET transaction_timeout = 0;\n"


def _restore_through_psql(dump: Path, options: list[str], args: list[str], env: dict) -> None:
    """For a server older than the bundled tools: pg_restore writes the SQL, psql runs it in
    one transaction (stopping at the first error), minus the one line the server refuses."""
    script = subprocess.Popen(
        [_tool("pg_restore"), *options, "--file=-", str(dump)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    runner = subprocess.Popen(
        [
            _tool("psql"),
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            *args,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    # Each was opened as a pipe (PIPE above): none is None.
    assert script.stdout is not None and script.stderr is not None
    assert runner.stdin is not None and runner.stderr is not None
    for line in script.stdout:
        if line != _NEWER_ONLY:
            runner.stdin.write(line)
    runner.stdin.close()
    errors = runner.stderr.read().decode()
    if script.wait() != 0 or runner.wait() != 0:
        detail = errors or script.stderr.read().decode()
        raise BackupError(f"restore failed, nothing restored: {_first_error(detail)}")
