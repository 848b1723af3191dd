"""The change table, read: what an index must apply, and whether an index is fresh for a read.

PostgreSQL's triggers (migration ``0015_search_changes``) write one row per changed item into
``search_engine.changes``, with the id of the transaction that changed it (``txid``), and one
row with no item for a reset (a ``TRUNCATE``, or a statement too large to follow item by item).
An index is made from one snapshot ``S`` of the database (``pg_current_snapshot()`` inside a
repeatable-read transaction): it holds every change of a transaction ``S`` sees. So:

- **what to apply next**, read in a newer snapshot: the rows whose transaction ``S`` did not
  see, that is, ``txid >= xmax(S)`` or ``txid`` in ``xip(S)`` (two index ranges, however old the
  oldest transaction still open when ``S`` was taken);
- **fresh for a read**: no such row is visible to the read's own snapshot, the change table has
  not been pruned past ``xmin(S)``, and the database is the one the index was made from (the
  system, the database and the items table, which a restore makes anew). The check runs on the
  connection the page's rows are read from, so a replica answers for what it has replayed.

The identity of a database (``IDENTITY``) is its cluster's system identifier, the database's
oid and the items table's oid: a restore (the table dropped and made again) or another server
changes it, and the index is rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA = "search_engine"
IDENTITY = (
    "(SELECT system_identifier FROM pg_catalog.pg_control_system())::text || '/' || "
    "(SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())"
    "::text || '/' || 'public.items_item'::pg_catalog.regclass::oid::text"
)

# Rows an index made from snapshot %(s)s has not applied, as the reader's snapshot sees them.
_UNSEEN = f"""
    SELECT 1 FROM {SCHEMA}.changes
    WHERE txid >= pg_catalog.pg_snapshot_xmax(%(s)s::pg_snapshot)
    UNION ALL
    SELECT 1 FROM {SCHEMA}.changes
    WHERE txid = ANY (ARRAY(SELECT pg_catalog.pg_snapshot_xip(%(s)s::pg_snapshot)))
"""

_SAME_DATABASE = f"{IDENTITY} = %(identity)s"
_NOT_PRUNED = f"""
    (SELECT pruned_below FROM {SCHEMA}.horizon) <= pg_catalog.pg_snapshot_xmin(%(s)s::pg_snapshot)
"""
_FOLLOWABLE = f"{_SAME_DATABASE} AND {_NOT_PRUNED}"
FRESH_SQL = f"NOT EXISTS ({_UNSEEN}) AND {_FOLLOWABLE}"

# The changes to apply over snapshot %(s)s: each item changed (NULL for a reset), and when its
# oldest change was made.
PENDING_SQL = f"""
    SELECT item_id, pg_catalog.min(at) FROM {SCHEMA}.changes
    WHERE txid >= pg_catalog.pg_snapshot_xmax(%(s)s::pg_snapshot)
       OR txid = ANY (ARRAY(SELECT pg_catalog.pg_snapshot_xip(%(s)s::pg_snapshot)))
    GROUP BY item_id
"""

# Whether an index made from %(s)s may follow the change table at all: the same database, and
# no change it needs pruned.
FOLLOWABLE_SQL = f"SELECT {_SAME_DATABASE}, {_NOT_PRUNED}"

SNAPSHOT_SQL = f"SELECT pg_catalog.pg_current_snapshot()::text, {IDENTITY}"


@dataclass(frozen=True, slots=True)
class Made:
    """What an index was made from: a snapshot's text and the database's identity; and whether
    its build wrote every item in one segment in (created_at, id) order (``ordered``), which
    lets Tantivy break ties itself (``searching``)."""

    snapshot: str
    identity: str
    ordered: bool = False

    def encode(self) -> str:
        return f"{self.snapshot} {self.identity} {'ordered' if self.ordered else 'unordered'}"

    @classmethod
    def decode(cls, text: str) -> Made:
        snapshot, identity, ordered = [*text.split(" "), "unordered"][:3]
        return cls(snapshot, identity, ordered == "ordered")

    @property
    def xmin(self) -> int:
        return int(self.snapshot.split(":", 1)[0])

    def params(self) -> dict[str, str]:
        return {"s": self.snapshot, "identity": self.identity}


# An indexer's report: the snapshot its index now holds, and that it is alive.
PUBLISH_SQL = f"""
    INSERT INTO {SCHEMA}.indexers AS i (name, snapshot, identity, applied_at, seen_at)
    VALUES (%(name)s, %(s)s::pg_snapshot, %(identity)s, pg_catalog.now(), pg_catalog.now())
    ON CONFLICT (name) DO UPDATE SET snapshot = EXCLUDED.snapshot, identity = EXCLUDED.identity,
        applied_at = EXCLUDED.applied_at, seen_at = EXCLUDED.seen_at
"""
SEEN_SQL = f"UPDATE {SCHEMA}.indexers SET seen_at = pg_catalog.now() WHERE name = %(name)s"

# Forget indexers not seen for %(expiry)s seconds, then drop the changes every remaining
# indexer of this database has applied (below the oldest ``xmin`` of their snapshots).
PRUNE_SQL = [
    f"""DELETE FROM {SCHEMA}.indexers
        WHERE seen_at < pg_catalog.now() - pg_catalog.make_interval(secs => %(expiry)s)""",
    f"""UPDATE {SCHEMA}.horizon SET pruned_below = GREATEST(pruned_below, below)
        FROM (SELECT pg_catalog.min(pg_catalog.pg_snapshot_xmin(snapshot)) AS below
              FROM {SCHEMA}.indexers WHERE identity = {IDENTITY}) AS oldest
        WHERE below IS NOT NULL""",
    f"""DELETE FROM {SCHEMA}.changes
        WHERE txid < (SELECT pruned_below FROM {SCHEMA}.horizon)""",
]
