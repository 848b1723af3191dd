"""The search engine's change table, filled by PostgreSQL itself.

Statement triggers with transition tables (one per event, as the facet cells' and the history's)
write one row per item a statement inserted, deleted, or changed in what the index holds (its
text, category, price, activity, owner, creation time), with the writing transaction's id
(``pg_current_xact_id()``), so every writer reaches the index: the API, the admin, imports,
``loaddata``, COPY, raw SQL. A ``TRUNCATE``, or a statement of at least ``RESET_ROWS`` rows
(a staged bulk load), writes one row with no item instead: a reset, after which each index is
rebuilt from one snapshot rather than followed a million rows at a time. Each statement that
writes a row also sends ``NOTIFY search_engine`` (delivered at commit), which wakes the indexers.

The engine's bookkeeping lives in a schema of its own, ``search_engine``, beside the catalog's
tables (a backup carries it; a restore verifies the catalog's tables, not this moving state):
``changes``, ``indexers`` (each index directory's last published snapshot, and when it was last
seen), ``horizon`` (below which transaction ids changes have been pruned), and ``parsed``, a
search's text as PostgreSQL's own parse (``websearch_to_tsquery`` in the catalog's French
configuration), which the engine translates rather than parse anything itself.
"""

from django.db import migrations

RESET_ROWS = 100_000
# What the index holds of an item: a change to any of these columns is a change to index.
INDEXED = "id, category, price, is_active, created_at, created_by_id, tags, search_document"


def _differs(new: str, old: str) -> str:
    columns = INDEXED.split(", ")
    return (
        f"({', '.join(f'{new}.{c}' for c in columns)}) IS DISTINCT FROM "
        f"({', '.join(f'{old}.{c}' for c in columns)})"
    )


CHANGES_SQL = f"""
CREATE SCHEMA search_engine;
CREATE TABLE search_engine.changes (
    txid xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    item_id uuid,
    at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX changes_txid ON search_engine.changes (txid);
CREATE TABLE search_engine.indexers (
    name text PRIMARY KEY,
    snapshot pg_snapshot NOT NULL,
    identity text NOT NULL,
    applied_at timestamptz NOT NULL,
    seen_at timestamptz NOT NULL
);
CREATE TABLE search_engine.horizon (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    pruned_below xid8 NOT NULL
);
INSERT INTO search_engine.horizon (pruned_below) VALUES ('0');

-- A search's text as PostgreSQL parses it for the engine: the tsquery's text.
CREATE FUNCTION search_engine.parsed(text) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    AS $$ SELECT pg_catalog.websearch_to_tsquery('public.catalog_fr', $1)::text $$;

CREATE FUNCTION search_engine.items_changed() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    touched bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO search_engine.changes (item_id) VALUES (NULL);
    ELSIF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO touched FROM new_rows;
        IF touched >= {RESET_ROWS} THEN
            INSERT INTO search_engine.changes (item_id) VALUES (NULL);
        ELSE
            INSERT INTO search_engine.changes (item_id) SELECT id FROM new_rows;
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT count(*) INTO touched FROM old_rows;
        IF touched >= {RESET_ROWS} THEN
            INSERT INTO search_engine.changes (item_id) VALUES (NULL);
        ELSE
            INSERT INTO search_engine.changes (item_id) SELECT id FROM old_rows;
        END IF;
    ELSE
        SELECT count(*) INTO touched FROM new_rows;
        IF touched >= {RESET_ROWS} THEN
            INSERT INTO search_engine.changes (item_id) VALUES (NULL);
        ELSE
            INSERT INTO search_engine.changes (item_id)
                SELECT new_rows.id FROM new_rows LEFT JOIN old_rows ON old_rows.id = new_rows.id
                WHERE old_rows.id IS NULL OR {_differs("new_rows", "old_rows")}
                UNION
                SELECT old_rows.id FROM old_rows
                WHERE NOT EXISTS (SELECT 1 FROM new_rows WHERE new_rows.id = old_rows.id);
            GET DIAGNOSTICS touched = ROW_COUNT;
        END IF;
    END IF;
    IF touched IS NULL OR touched > 0 THEN
        PERFORM pg_catalog.pg_notify('search_engine', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER items_search_changes_insert AFTER INSERT ON public.items_item
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_engine.items_changed();
CREATE TRIGGER items_search_changes_update AFTER UPDATE ON public.items_item
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_engine.items_changed();
CREATE TRIGGER items_search_changes_delete AFTER DELETE ON public.items_item
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_engine.items_changed();
CREATE TRIGGER items_search_changes_truncate AFTER TRUNCATE ON public.items_item
    FOR EACH STATEMENT EXECUTE FUNCTION search_engine.items_changed();
"""

UNDO_CHANGES_SQL = """
DROP TRIGGER items_search_changes_truncate ON public.items_item;
DROP TRIGGER items_search_changes_delete ON public.items_item;
DROP TRIGGER items_search_changes_update ON public.items_item;
DROP TRIGGER items_search_changes_insert ON public.items_item;
DROP SCHEMA search_engine CASCADE;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("items", "0014_search_name_index"),
    ]

    operations = [
        migrations.RunSQL(CHANGES_SQL, reverse_sql=UNDO_CHANGES_SQL),
    ]
