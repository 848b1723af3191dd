# Discovery: facet cells, and the prefix indexes of search-as-you-type (item names, and the
# words of the search vocabulary).

import django.db.models.functions.comparison
from django.db import migrations, models

import items.models

# Facet counts kept current by PostgreSQL itself, as the search columns are: whatever writes
# items (the ORM, COPY, INSERT ... SELECT, raw SQL, an upsert, TRUNCATE), these statement
# triggers add each statement's rows to their cells and take away the rows it replaced. A cell
# counts the items of one category, activity and whole price unit (floor(price)); its tag is
# '' for the items themselves, or one of their tags. Cells are changed in key order, so two
# writers never wait for each other in a circle.
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

CREATE FUNCTION public.item_facet_cells_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE public.items_facet_cell;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO public.items_facet_cell AS cell (category, is_active, price_unit, tag, items)
            SELECT category, is_active, floor(price)::integer, tag, count(*)
            FROM added_items, unnest(ARRAY['']::varchar[] || tags) AS tag
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (category, is_active, price_unit, tag)
            DO UPDATE SET items = cell.items + EXCLUDED.items;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO public.items_facet_cell AS cell (category, is_active, price_unit, tag, items)
            SELECT category, is_active, floor(price)::integer, tag, -count(*)
            FROM removed_items, unnest(ARRAY['']::varchar[] || tags) AS tag
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (category, is_active, price_unit, tag)
            DO UPDATE SET items = cell.items + EXCLUDED.items;
    ELSE
        INSERT INTO public.items_facet_cell AS cell (category, is_active, price_unit, tag, items)
            SELECT category, is_active, price_unit, tag, sum(change)
            FROM (
                SELECT category, is_active, floor(price)::integer AS price_unit, tag, 1 AS change
                FROM added_items, unnest(ARRAY['']::varchar[] || tags) AS tag
                UNION ALL
                SELECT category, is_active, floor(price)::integer, tag, -1
                FROM removed_items, unnest(ARRAY['']::varchar[] || tags) AS tag
            ) AS changes
            GROUP BY 1, 2, 3, 4 HAVING sum(change) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (category, is_active, price_unit, tag)
            DO UPDATE SET items = cell.items + EXCLUDED.items;
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
DROP TABLE public.items_facet_cell;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("items", "0006_search_vocabulary"),
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
