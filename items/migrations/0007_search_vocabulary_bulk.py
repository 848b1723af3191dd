# A bulk load's COPYs may leave the search vocabulary to the load's end: the insert trigger
# skips a transaction's inserts while catalog.vocabulary_deferred is on (set transaction-locally
# around each COPY), and search_vocabulary_count_items(ids) counts those items once, in the same
# transaction. Every other write is counted as before (0006_search_vocabulary).
from django.db import migrations

DEFERRED_SQL = r"""
CREATE OR REPLACE FUNCTION public.item_vocabulary_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    words text[];
    changes integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- A bulk load counts its COPYs' items once, at its end (search_vocabulary_count_items).
        IF current_setting('catalog.vocabulary_deferred', true) = 'on' THEN
            RETURN NULL;
        END IF;
        SELECT array_agg(word), array_agg(change) INTO words, changes FROM (
            SELECT word, count(*)::integer AS change
            FROM new_rows,
                 unnest(public.item_vocabulary_words(name, description, tags)) AS word
            WHERE is_active
            GROUP BY word
        ) AS delta;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(word), array_agg(change) INTO words, changes FROM (
            SELECT word, -count(*)::integer AS change
            FROM old_rows,
                 unnest(public.item_vocabulary_words(name, description, tags)) AS word
            WHERE is_active
            GROUP BY word
        ) AS delta;
    ELSE
        SELECT array_agg(word), array_agg(change) INTO words, changes FROM (
            SELECT word, sum(change)::integer AS change
            FROM (
                SELECT o.is_active AS counted, -1 AS change,
                       public.item_vocabulary_words(o.name, o.description, o.tags) AS held
                FROM old_rows o JOIN new_rows n ON n.id = o.id
                WHERE (o.name, o.description, o.tags, o.is_active)
                      IS DISTINCT FROM (n.name, n.description, n.tags, n.is_active)
                UNION ALL
                SELECT n.is_active, 1,
                       public.item_vocabulary_words(n.name, n.description, n.tags)
                FROM old_rows o JOIN new_rows n ON n.id = o.id
                WHERE (o.name, o.description, o.tags, o.is_active)
                      IS DISTINCT FROM (n.name, n.description, n.tags, n.is_active)
            ) AS sides, unnest(held) AS word
            WHERE counted
            GROUP BY word
            HAVING sum(change) <> 0
        ) AS delta;
    END IF;
    IF words IS NOT NULL THEN
        PERFORM public.search_vocabulary_apply(words, changes);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION public.search_vocabulary_count_items(ids uuid[]) RETURNS void
    LANGUAGE sql AS $$
    SELECT public.search_vocabulary_apply(array_agg(word), array_agg(change))
    FROM (
        SELECT word, count(*)::integer AS change
        FROM public.items_item,
             unnest(public.item_vocabulary_words(name, description, tags)) AS word
        WHERE is_active AND id = ANY (ids)
        GROUP BY word
    ) AS delta
$$;
"""

UNDO_DEFERRED_SQL = r"""
DROP FUNCTION public.search_vocabulary_count_items(uuid[]);
CREATE OR REPLACE FUNCTION public.item_vocabulary_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    words text[];
    changes integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(word), array_agg(change) INTO words, changes FROM (
            SELECT word, count(*)::integer AS change
            FROM new_rows,
                 unnest(public.item_vocabulary_words(name, description, tags)) AS word
            WHERE is_active
            GROUP BY word
        ) AS delta;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(word), array_agg(change) INTO words, changes FROM (
            SELECT word, -count(*)::integer AS change
            FROM old_rows,
                 unnest(public.item_vocabulary_words(name, description, tags)) AS word
            WHERE is_active
            GROUP BY word
        ) AS delta;
    ELSE
        SELECT array_agg(word), array_agg(change) INTO words, changes FROM (
            SELECT word, sum(change)::integer AS change
            FROM (
                SELECT o.is_active AS counted, -1 AS change,
                       public.item_vocabulary_words(o.name, o.description, o.tags) AS held
                FROM old_rows o JOIN new_rows n ON n.id = o.id
                WHERE (o.name, o.description, o.tags, o.is_active)
                      IS DISTINCT FROM (n.name, n.description, n.tags, n.is_active)
                UNION ALL
                SELECT n.is_active, 1,
                       public.item_vocabulary_words(n.name, n.description, n.tags)
                FROM old_rows o JOIN new_rows n ON n.id = o.id
                WHERE (o.name, o.description, o.tags, o.is_active)
                      IS DISTINCT FROM (n.name, n.description, n.tags, n.is_active)
            ) AS sides, unnest(held) AS word
            WHERE counted
            GROUP BY word
            HAVING sum(change) <> 0
        ) AS delta;
    END IF;
    IF words IS NOT NULL THEN
        PERFORM public.search_vocabulary_apply(words, changes);
    END IF;
    RETURN NULL;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("items", "0006_search_vocabulary"),
    ]

    operations = [
        migrations.RunSQL(DEFERRED_SQL, reverse_sql=UNDO_DEFERRED_SQL),
    ]
