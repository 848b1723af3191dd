# The search vocabulary: every distinct word of the visible catalog, with how many items hold it,
# kept current by the database itself. Search corrects misspelt words against it (pg_trgm and
# levenshtein), and suggestions complete words from it. The trigram index over every item's
# words (item_words_trgm), which the old typo fallback scanned, goes.
#
# items_search_vocabulary (the table's name and columns are an interface: keep them stable)
#   word   text, primary key (and a text_pattern_ops index, so LIKE 'pre%' is an index range):
#          a word of an active item's name, description or tags, lower-cased, accents kept
#          ("écran", "t-shirt", "s23")
#   plain  text: the word without accents ("ecran"), what trigram similarity compares
#   stem   text: the word's lexeme in the search document (catalog_fr: "ecran", "livr")
#   items  integer: how many active items hold the word (rows reaching 0 are deleted)
#
# Statement-level AFTER triggers with transition tables keep it current: one INSERT, COPY,
# UPDATE or DELETE statement, whatever its size, updates each word it touches once, words in
# order (so two writers bumping the same words never deadlock, they queue). An UPDATE counts
# only rows whose searched text (name, description, tags) or visibility (is_active) changed, so
# price or stock edits cost nothing here. Stop words (no lexeme) are left out.
from django.db import migrations

VOCABULARY_SQL = r"""
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch WITH SCHEMA public;
CREATE TEXT SEARCH CONFIGURATION public.catalog_words (COPY = pg_catalog.simple);

CREATE TABLE public.items_search_vocabulary (
    word text PRIMARY KEY,
    plain text NOT NULL,
    stem text NOT NULL,
    items integer NOT NULL
);
CREATE INDEX search_vocabulary_plain_trgm
    ON public.items_search_vocabulary USING gin (plain public.gin_trgm_ops);
CREATE INDEX search_vocabulary_word_prefix
    ON public.items_search_vocabulary (word text_pattern_ops);
CREATE INDEX search_vocabulary_stem ON public.items_search_vocabulary (stem);

-- The distinct words of an item's searched text, as written (lower-cased, accents kept).
CREATE FUNCTION public.item_vocabulary_words(varchar, varchar, varchar[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.tsvector_to_array(pg_catalog.to_tsvector('public.catalog_words',
        coalesce($1, '') || ' ' || coalesce($2, '') || ' '
        || coalesce(public.item_tags_text($3), '')))
$$;

-- A word's lexeme in the search document (NULL for a stop word): the first one, so "t-shirt"
-- gives "t-shirt", not its parts.
CREATE FUNCTION public.catalog_stem(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT lexeme FROM pg_catalog.unnest(pg_catalog.to_tsvector('public.catalog_fr', $1))
    ORDER BY positions[1] LIMIT 1
$$;

-- Add each word's change in item count, words in order; drop the words no item holds.
CREATE FUNCTION public.search_vocabulary_apply(words text[], changes integer[]) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.items_search_vocabulary AS v (word, plain, stem, items)
    SELECT word, public.catalog_unaccent(word), stem, change
    FROM (
        SELECT word, public.catalog_stem(word) AS stem, change
        FROM unnest(words, changes) AS delta(word, change)
    ) AS known
    WHERE stem IS NOT NULL
    ORDER BY word
    ON CONFLICT (word) DO UPDATE SET items = v.items + excluded.items;
    DELETE FROM public.items_search_vocabulary
    WHERE word = ANY (words) AND items <= 0;
END
$$;

CREATE FUNCTION public.item_vocabulary_count() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE FUNCTION public.item_vocabulary_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE public.items_search_vocabulary;
    RETURN NULL;
END
$$;

-- The whole vocabulary from the table as it is (the migration's backfill; a repair).
CREATE FUNCTION public.search_vocabulary_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE public.items_search_vocabulary IN EXCLUSIVE MODE;
    DELETE FROM public.items_search_vocabulary;
    PERFORM public.search_vocabulary_apply(array_agg(word), array_agg(change))
    FROM (
        SELECT word, count(*)::integer AS change
        FROM public.items_item,
             unnest(public.item_vocabulary_words(name, description, tags)) AS word
        WHERE is_active
        GROUP BY word
    ) AS delta;
END
$$;

CREATE TRIGGER item_vocabulary_insert AFTER INSERT ON public.items_item
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.item_vocabulary_count();
CREATE TRIGGER item_vocabulary_update AFTER UPDATE ON public.items_item
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.item_vocabulary_count();
CREATE TRIGGER item_vocabulary_delete AFTER DELETE ON public.items_item
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.item_vocabulary_count();
CREATE TRIGGER item_vocabulary_truncate AFTER TRUNCATE ON public.items_item
    FOR EACH STATEMENT EXECUTE FUNCTION public.item_vocabulary_clear();

SELECT public.search_vocabulary_rebuild();
"""

UNDO_VOCABULARY_SQL = """
DROP TRIGGER item_vocabulary_truncate ON public.items_item;
DROP TRIGGER item_vocabulary_delete ON public.items_item;
DROP TRIGGER item_vocabulary_update ON public.items_item;
DROP TRIGGER item_vocabulary_insert ON public.items_item;
DROP FUNCTION public.search_vocabulary_rebuild();
DROP FUNCTION public.item_vocabulary_clear();
DROP FUNCTION public.item_vocabulary_count();
DROP FUNCTION public.search_vocabulary_apply(text[], integer[]);
DROP FUNCTION public.catalog_stem(text);
DROP FUNCTION public.item_vocabulary_words(varchar, varchar, varchar[]);
DROP TABLE public.items_search_vocabulary;
DROP TEXT SEARCH CONFIGURATION public.catalog_words;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("items", "0004_price_rule"),
    ]

    operations = [
        migrations.RunSQL(VOCABULARY_SQL, reverse_sql=UNDO_VOCABULARY_SQL),
        # Typos are corrected against the vocabulary now, not by trigrams over every item.
        migrations.RemoveIndex(model_name="item", name="item_words_trgm"),
    ]
