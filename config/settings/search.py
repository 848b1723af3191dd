"""The search engine: on or off, where its index lives, how long a search waits for it.

``SEARCH_ENGINE=tantivy`` (the default) answers searches from the embedded index when it holds
every change the search can see; ``postgres`` turns it off (every search runs in SQL, as it
did before the engine). Each machine keeps its own index directory, by default one per
database under the data folder. Serving processes run the indexer in the background
(``SEARCH_INDEXER``); one per directory is elected.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.settings.database import DATABASES
from config.settings.env import DATA_DIR, env_bool, env_float, env_int, env_str

SEARCH_ENGINE = env_str("SEARCH_ENGINE", "tantivy").lower() or "tantivy"
if SEARCH_ENGINE not in {"tantivy", "postgres"}:
    raise ImproperlyConfigured(f"SEARCH_ENGINE must be tantivy or postgres, not {SEARCH_ENGINE!r}.")
SEARCH_INDEX_DIR = Path(
    env_str("SEARCH_INDEX_DIR") or DATA_DIR / "search" / str(DATABASES["default"]["NAME"])
)
# Whether serving processes (gunicorn, runserver) run the indexer thread.
SEARCH_INDEXER = env_bool("SEARCH_INDEXER", True)
# How long a search waits for the index to apply a change it can already see, before SQL
# answers it instead (at most 100 ms: a search never waits longer than the SQL would take).
SEARCH_WAIT_MS = env_int("SEARCH_WAIT_MS", 100)
if not 0 <= SEARCH_WAIT_MS <= 100:
    raise ImproperlyConfigured(f"SEARCH_WAIT_MS must be between 0 and 100, not {SEARCH_WAIT_MS}.")
# With no NOTIFY heard (PgBouncer drops them), the indexer looks for changes this often.
SEARCH_POLL_SECONDS = env_float("SEARCH_POLL_SECONDS", 1.0)
# How often a process that is not the indexer tries to become it (when the indexer dies).
SEARCH_ELECTION_SECONDS = env_float("SEARCH_ELECTION_SECONDS", 2.0)
# More changed items than this at once are not applied one by one: the index is rebuilt.
SEARCH_REBUILD_CHANGES = env_int("SEARCH_REBUILD_CHANGES", 100_000)
# An indexer not seen for this long (seconds) stops holding back the pruning of changes; it
# rebuilds when it comes back.
SEARCH_INDEXER_EXPIRY = env_int("SEARCH_INDEXER_EXPIRY", 3600)
# The index writer's memory (MB): following changes, and for a build, which writes every item
# into one segment when they fit (about 600 MB at 1,000,000 items, taken as used; Tantivy's
# bound is 4 GB). Larger catalogs build in several segments, and ties then cost more.
SEARCH_WRITER_HEAP_MB = env_int("SEARCH_WRITER_HEAP_MB", 128)
SEARCH_BUILD_HEAP_MB = env_int("SEARCH_BUILD_HEAP_MB", 2048)
if not 15 <= SEARCH_BUILD_HEAP_MB < 4096:
    raise ImproperlyConfigured(
        f"SEARCH_BUILD_HEAP_MB must be at least 15 and under 4096, not {SEARCH_BUILD_HEAP_MB}."
    )
