# Discovery: facet cells, and the prefix indexes of search-as-you-type (item names, and the
# words of the search vocabulary).

import django.db.models.functions.comparison
from django.db import migrations, models

import items.models

# Facet counts kept current by PostgreSQL itself, as the search columns are: whatever writes
# items (the ORM, COPY, INSERT ... SELECT, raw SQL, an upsert, TRUNCATE), these statement
# triggers add each statement's rows to their cells and take away the rows it replaced. A cell
# counts the items of one category, activity and whole price unit (floor(price)); its tag is
# '' for the items themselves, or one of their tags. items_facet_total holds the same counts
# whatever the price. Rows are changed in key order, so two writers never wait for each other
# in a circle.
CELLS_SQL = """
CREATE TABLE public.items_facet_cell (
    category varchar(20) NOT NULL,
    is_active boolean NOT NULL,
    price_unit integer NOT NULL,
    tag varchar(50) NOT NULL,
    items bigint NOT NULL,
    PRIMARY KEY (category, is_active, price_unit, tag)
);
CREATE INDEX items_facet_cell_tag ON public.items_facet_cell (tag, is_active, category, price_unit)
    INCLUDE (items);
-- The same counts whatever the price: what facets read when no price range is asked for.
CREATE TABLE public.items_facet_total (
    category varchar(20) NOT NULL,
    is_active boolean NOT NULL,
    tag varchar(50) NOT NULL,
    items bigint NOT NULL,
    PRIMARY KEY (category, is_active, tag)
);

-- Add one statement's changes (one entry per cell) to both tables, in key order.
CREATE FUNCTION public.item_facet_cells_apply(
    categories text[], actives boolean[], units integer[], tags text[], changes bigint[]
) RETURNS void LANGUAGE sql SET search_path = pg_catalog, public AS $$
    INSERT INTO public.items_facet_cell AS cell (category, is_active, price_unit, tag, items)
        SELECT * FROM unnest(categories, actives, units, tags, changes) AS d
        ORDER BY 1, 2, 3, 4
    ON CONFLICT (category, is_active, price_unit, tag)
        DO UPDATE SET items = cell.items + EXCLUDED.items;
    INSERT INTO public.items_facet_total AS total (category, is_active, tag, items)
        SELECT category, is_active, tag, sum(change)
        FROM unnest(categories, actives, tags, changes) AS d(category, is_active, tag, change)
        GROUP BY 1, 2, 3 HAVING sum(change) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (category, is_active, tag)
        DO UPDATE SET items = total.items + EXCLUDED.items;
$$;

CREATE FUNCTION public.item_facet_cells_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    categories text[];
    actives boolean[];
    units integer[];
    tags text[];
    changes bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE public.items_facet_cell, public.items_facet_total;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(category), array_agg(is_active), array_agg(unit), array_agg(tag),
               array_agg(change)
        INTO categories, actives, units, tags, changes
        FROM (
            SELECT category, is_active, floor(price)::integer AS unit, tag, count(*) AS change
            FROM added_items, unnest(ARRAY['']::varchar[] || added_items.tags) AS tag
            GROUP BY 1, 2, 3, 4
        ) AS delta;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(category), array_agg(is_active), array_agg(unit), array_agg(tag),
               array_agg(change)
        INTO categories, actives, units, tags, changes
        FROM (
            SELECT category, is_active, floor(price)::integer AS unit, tag, -count(*) AS change
            FROM removed_items, unnest(ARRAY['']::varchar[] || removed_items.tags) AS tag
            GROUP BY 1, 2, 3, 4
        ) AS delta;
    ELSE
        SELECT array_agg(category), array_agg(is_active), array_agg(unit), array_agg(tag),
               array_agg(change)
        INTO categories, actives, units, tags, changes
        FROM (
            SELECT category, is_active, unit, tag, sum(change) AS change
            FROM (
                SELECT category, is_active, floor(price)::integer AS unit, tag, 1 AS change
                FROM added_items, unnest(ARRAY['']::varchar[] || added_items.tags) AS tag
                UNION ALL
                SELECT category, is_active, floor(price)::integer, tag, -1
                FROM removed_items, unnest(ARRAY['']::varchar[] || removed_items.tags) AS tag
            ) AS sides
            GROUP BY 1, 2, 3, 4 HAVING sum(change) <> 0
        ) AS delta;
    END IF;
    IF categories IS NOT NULL THEN
        PERFORM public.item_facet_cells_apply(categories, actives, units, tags, changes);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER items_facet_cells_insert AFTER INSERT ON public.items_item
    REFERENCING NEW TABLE AS added_items
    FOR EACH STATEMENT EXECUTE FUNCTION public.item_facet_cells_change();
CREATE TRIGGER items_facet_cells_update AFTER UPDATE ON public.items_item
    REFERENCING OLD TABLE AS removed_items NEW TABLE AS added_items
    FOR EACH STATEMENT EXECUTE FUNCTION public.item_facet_cells_change();
CREATE TRIGGER items_facet_cells_delete AFTER DELETE ON public.items_item
    REFERENCING OLD TABLE AS removed_items
    FOR EACH STATEMENT EXECUTE FUNCTION public.item_facet_cells_change();
CREATE TRIGGER items_facet_cells_truncate AFTER TRUNCATE ON public.items_item
    FOR EACH STATEMENT EXECUTE FUNCTION public.item_facet_cells_change();

INSERT INTO public.items_facet_cell (category, is_active, price_unit, tag, items)
    SELECT category, is_active, floor(price)::integer, tag, count(*)
    FROM public.items_item, unnest(ARRAY['']::varchar[] || tags) AS tag
    GROUP BY 1, 2, 3, 4;
INSERT INTO public.items_facet_total (category, is_active, tag, items)
    SELECT category, is_active, tag, sum(items) FROM public.items_facet_cell GROUP BY 1, 2, 3;
"""

# Suggestions complete words from the search vocabulary (migration 0006) accents aside: its
# unaccented "plain" spelling, by prefix, most frequent first.
VOCABULARY_PREFIX_SQL = """
CREATE INDEX search_vocabulary_plain_prefix
    ON public.items_search_vocabulary (plain COLLATE "C", items DESC);
"""
UNDO_VOCABULARY_PREFIX_SQL = "DROP INDEX public.search_vocabulary_plain_prefix;"

UNDO_CELLS_SQL = """
DROP TRIGGER items_facet_cells_truncate ON public.items_item;
DROP TRIGGER items_facet_cells_delete ON public.items_item;
DROP TRIGGER items_facet_cells_update ON public.items_item;
DROP TRIGGER items_facet_cells_insert ON public.items_item;
DROP FUNCTION public.item_facet_cells_change();
DROP FUNCTION public.item_facet_cells_apply(text[], boolean[], integer[], text[], bigint[]);
DROP TABLE public.items_facet_total;
DROP TABLE public.items_facet_cell;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("items", "0008_search_vocabulary_bulk"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                django.db.models.functions.comparison.Collate(items.models.FoldedText("name"), "C"),
                models.F("name"),
                include=("is_active", "created_by"),
                name="item_name_prefix_idx",
            ),
        ),
        migrations.RunSQL(CELLS_SQL, reverse_sql=UNDO_CELLS_SQL),
        migrations.RunSQL(VOCABULARY_PREFIX_SQL, reverse_sql=UNDO_VOCABULARY_PREFIX_SQL),
    ]
