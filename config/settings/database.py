"""The databases: PostgreSQL (embedded or ``DATABASE_URL``), and MongoDB when ``DB_TYPE`` says.

Django's native psycopg pool is per process, so workers x ``DB_POOL_MAX_SIZE`` must stay below
the server's ``max_connections``. While PostgreSQL is down a request waits for it at most
``DB_CONNECT_TIMEOUT`` seconds (the pool's wait defaults to the same), then gets a 503.
"""

from __future__ import annotations

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import (
    DATA_DIR,
    DATABASE_URL,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
)
from core import embedded

DB_TYPE = env_str("DB_TYPE", "postgres").lower() or "postgres"
if DB_TYPE not in {"postgres", "mongodb"}:
    raise ImproperlyConfigured(f"DB_TYPE must be postgres or mongodb, not {DB_TYPE!r}.")
MONGODB_URI = env_str("MONGODB_URI", "mongodb://127.0.0.1:27017/catalog")

if DATABASE_URL:
    _database = dj_database_url.parse(DATABASE_URL)
else:
    _database = {"ENGINE": "django.db.backends.postgresql"}
    _database.update(embedded.embedded_postgres_settings(DATA_DIR, "catalog"))
if _database["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")

# How long to wait for PostgreSQL: one connection attempt (libpq's connect_timeout, so a host
# that never answers costs no more than a refused one), and by default a request's wait for a
# pooled connection too. With fewer threads than pooled connections that wait only ever
# happens while PostgreSQL is down, so it is the time to the first 503.
DB_CONNECT_TIMEOUT = env_int("DB_CONNECT_TIMEOUT", 2)
# What one API read may cost PostgreSQL: each of its statements is cancelled after this many
# milliseconds (core/database/reads), and the client gets 503 with Retry-After. 0: no bound.
DB_READ_TIMEOUT_MS = env_int("DB_READ_TIMEOUT_MS", 2000)
# The pool retries a lost connection with a growing back-off; giving up after a few seconds
# (the next request starts again at once) keeps that back-off from outlasting an outage.
_POOL_RECONNECT_SECONDS = 5.0
_REPLICA_POOL_SECONDS = 0.5

_database.update(
    # Django's PostgreSQL backend, but for the pool's check (core/database).
    ENGINE="core.database",
    ATOMIC_REQUESTS=True,
    CONN_MAX_AGE=0,  # the pool, not persistent connections, reuses them
    # With the pool, this makes it check a connection before lending it: after a PostgreSQL
    # restart, dead connections are dropped instead of failing the requests that draw them.
    # The check reads the socket (no round trip) and queries only a connection with news.
    CONN_HEALTH_CHECKS=env_bool("DB_POOL_CHECK", True),
    OPTIONS={
        "connect_timeout": DB_CONNECT_TIMEOUT,
        "pool": {
            "min_size": env_int("DB_POOL_MIN_SIZE", 1),
            "max_size": env_int("DB_POOL_MAX_SIZE", 10),
            "timeout": env_int("DB_POOL_TIMEOUT", DB_CONNECT_TIMEOUT),
            "reconnect_timeout": _POOL_RECONNECT_SECONDS,
        },
    },
)
# Behind PgBouncer in transaction pooling mode, a connection is the server's only for one
# transaction: no server-side cursors (they outlive it), no prepared statements (psycopg
# prepares a query run 5 times on a connection; the next transaction may land elsewhere).
DB_PGBOUNCER = env_bool("DB_PGBOUNCER", False)
if DB_PGBOUNCER:
    _database["DISABLE_SERVER_SIDE_CURSORS"] = True
    _database["OPTIONS"]["prepare_threshold"] = None
DATABASES = {"default": _database}

# Read replicas (PostgreSQL streaming standbys). Reads the API serves go to one that has
# replayed past what the reader must see (its own last write, the last change of what it
# reads); anything else, and every write, goes to the primary (``items.repository``'s router).
# A replica lagging more than REPLICA_MAX_LAG seconds, or down, is skipped until it catches up.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", "")
REPLICA_MAX_LAG = env_float("REPLICA_MAX_LAG", 5.0)
# Milliseconds a read no replica has replayed far enough for may wait for one to catch up
# (asked every 5 ms) before the primary reads it. 0: never wait.
REPLICA_WAIT_MS = env_float("REPLICA_WAIT_MS", 0.0)
for _number, _url in enumerate(DATABASE_REPLICA_URLS):
    _replica = dj_database_url.parse(_url)
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS must list PostgreSQL URLs.")
    # A replica is only ever waited for briefly: a read that cannot have one of its connections
    # at once marks it down (for a second) and reads on the primary instead.
    _pool = {**_database["OPTIONS"]["pool"], "min_size": 0}
    _pool["timeout"] = min(_pool["timeout"], _REPLICA_POOL_SECONDS)
    _options = {**_database["OPTIONS"], "pool": _pool}
    DATABASES[f"replica_{_number}"] = {
        **_database,
        **{k: _replica[k] for k in ("NAME", "USER", "PASSWORD", "HOST", "PORT")},
        "ATOMIC_REQUESTS": False,  # a standby takes reads only; the request's writes go first
        "OPTIONS": _options,
        "TEST": {"MIRROR": "default"},
    }
if DATABASE_REPLICA_URLS:
    DATABASE_ROUTERS = ["items.repository.postgres.replicas.ReplicaRouter"]
BACKUP_DIR = env_str("BACKUP_DIR") or str(DATA_DIR / "backups")  # where `manage.py backup` writes
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "items.User"
