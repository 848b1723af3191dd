"""The search columns kept by a trigger rather than as generated columns.

PostgreSQL recomputes a stored generated column on every UPDATE of its row, so a change of price
rebuilt the French tsvector (and the trigram words) each time. The trigger recomputes them on
INSERT and on an UPDATE that changes name, description or tags, from the values the
normalisation trigger (``item_normalise``, which fires first: triggers run by name) leaves. An
UPDATE that writes the search columns themselves (a raw save, ``loaddata``) gets them recomputed
too, so nothing can store a document that does not match the item's text. Same configuration
(``public.catalog_fr``, accents ignored), same functions, same GIN indexes; the columns keep
their names and their values (DROP EXPRESSION rewrites nothing).
"""

import django.contrib.postgres.search
from django.db import migrations, models

SEARCHED = ("name", "description", "tags", "search_document", "search_words")

TRIGGER_SQL = f"""
CREATE FUNCTION public.item_search_fields() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := public.item_search_document(NEW.name, NEW.description, NEW.tags);
    NEW.search_words := public.item_search_words(NEW.name, NEW.tags);
    RETURN NEW;
END
$$;
ALTER TABLE items_item ALTER COLUMN search_document DROP EXPRESSION;
ALTER TABLE items_item ALTER COLUMN search_words DROP EXPRESSION;
ALTER TABLE items_item ALTER COLUMN search_document SET NOT NULL;
ALTER TABLE items_item ALTER COLUMN search_words SET NOT NULL;
CREATE TRIGGER item_search_fields_insert BEFORE INSERT ON items_item
    FOR EACH ROW EXECUTE FUNCTION public.item_search_fields();
CREATE TRIGGER item_search_fields_update BEFORE UPDATE OF {", ".join(SEARCHED)} ON items_item
    FOR EACH ROW
    WHEN ({" OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in SEARCHED)})
    EXECUTE FUNCTION public.item_search_fields();
"""

UNDO_TRIGGER_SQL = """
DROP TRIGGER item_search_fields_update ON items_item;
DROP TRIGGER item_search_fields_insert ON items_item;
DROP FUNCTION public.item_search_fields();
ALTER TABLE items_item DROP COLUMN search_document, DROP COLUMN search_words;
ALTER TABLE items_item
    ADD COLUMN search_document tsvector
        GENERATED ALWAYS AS (public.item_search_document(name, description, tags)) STORED,
    ADD COLUMN search_words text
        GENERATED ALWAYS AS (public.item_search_words(name, tags)) STORED;
CREATE INDEX item_search_gin ON items_item USING gin (search_document);
CREATE INDEX item_words_trgm ON items_item USING gin (search_words public.gin_trgm_ops);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("items", "0004_price_rule"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(TRIGGER_SQL, reverse_sql=UNDO_TRIGGER_SQL),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="item",
                    name="search_document",
                    field=django.contrib.postgres.search.SearchVectorField(
                        blank=True, editable=False, serialize=False
                    ),
                ),
                migrations.AlterField(
                    model_name="item",
                    name="search_words",
                    field=models.TextField(blank=True, editable=False, serialize=False),
                ),
            ],
        ),
    ]
