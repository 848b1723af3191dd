"""``DatabaseWrapper``: Django's PostgreSQL backend whose pool checks connections cheaply.

psycopg_pool's own check sends an empty query before lending each connection: one round trip
per request, to catch the connections a PostgreSQL restart killed. A server that closes a
connection says so on its socket (a FATAL message, then end of file), so a pooled connection
whose socket has nothing to read is alive as far as any check could tell without waiting; only
one with something to read gets the full check (and is dropped if it fails it). A connection
cut without a word (a network partition) fails either check only after a timeout.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper
from psycopg_pool import ConnectionPool

from core.database.reads import ReadBoundCursor


def check_pooled_connection(conn: psycopg.Connection) -> None:
    """Raise unless ``conn`` is usable: a full check only when its socket has news."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        ConnectionPool.check_connection(conn)


class DatabaseWrapper(PostgresDatabaseWrapper):
    """PostgreSQL, pooled as Django pools it, with ``check_pooled_connection`` as the check,
    and cursors that bound the API's reads (``reads``)."""

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if self.settings_dict["OPTIONS"].get("server_side_binding") is not True:
            params["cursor_factory"] = ReadBoundCursor
        return params

    @property
    def pool(self) -> Any:
        pool_options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not pool_options:
            return None
        if self.alias not in self._connection_pools:
            # As Django's own (which sets autocommit and defers opening), but for the check.
            connect_kwargs = {**self.get_connection_params(), "autocommit": True}
            checks = self.settings_dict["CONN_HEALTH_CHECKS"]
            pool = ConnectionPool(
                kwargs=connect_kwargs,
                open=False,
                configure=self._configure_connection,
                check=check_pooled_connection if checks else None,
                **({} if pool_options is True else pool_options),
            )
            self._connection_pools.setdefault(self.alias, pool)
        return self._connection_pools[self.alias]
