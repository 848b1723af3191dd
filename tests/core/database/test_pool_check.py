"""The pool's check: no round trip for a quiet connection, a dropped one for a killed connection."""

from __future__ import annotations

import tempfile
import time

import psycopg
import pytest
from django.db import connection, connections

from core.database.base import check_pooled_connection

pytestmark = pytest.mark.django_db(transaction=True)


def _own_connection() -> psycopg.Connection:
    return psycopg.connect(**{**connection.get_connection_params(), "autocommit": True})


def test_a_quiet_connection_passes_without_a_query():
    with _own_connection() as conn, tempfile.TemporaryFile("w+") as trace:
        conn.pgconn.trace(trace.fileno())
        check_pooled_connection(conn)
        conn.pgconn.untrace()
        trace.seek(0)
        assert trace.read() == ""  # nothing sent, nothing received
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_connection_the_server_ended_fails_the_check():
    with _own_connection() as conn:
        pid = conn.info.backend_pid
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        with pytest.raises(psycopg.OperationalError):
            while time.monotonic() < deadline:  # the server's goodbye reaches the socket
                check_pooled_connection(conn)
                time.sleep(0.05)


def test_the_pool_lends_connections_through_this_check():
    wrapper = connections["default"]
    wrapper.ensure_connection()
    assert type(wrapper).__module__ == "core.database.base"
    assert wrapper.pool is not None and wrapper.pool._check is check_pooled_connection
