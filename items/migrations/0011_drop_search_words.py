"""The trigram words column goes: nothing reads it since typos are corrected against the vocabulary.

``search_words`` (name and tags, folded, for trigrams) served the old typo fallback, which
scanned items; migration 0007 dropped its index, and the trigger still rebuilt it on every
insert and every change of text. The search trigger now keeps ``search_document`` alone, and
fires only when a column it reads (or the document itself) changes.
"""

from django.db import migrations

SEARCHED = ("name", "description", "tags", "search_document")
OLD_SEARCHED = (*SEARCHED, "search_words")


def _update_trigger(columns: tuple[str, ...]) -> str:
    return f"""
CREATE TRIGGER item_search_fields_update BEFORE UPDATE OF {", ".join(columns)} ON items_item
    FOR EACH ROW
    WHEN ({" OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)})
    EXECUTE FUNCTION public.item_search_fields();
"""


FORWARD_SQL = f"""
DROP TRIGGER item_search_fields_update ON items_item;
CREATE OR REPLACE FUNCTION public.item_search_fields() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := public.item_search_document(NEW.name, NEW.description, NEW.tags);
    RETURN NEW;
END
$$;
ALTER TABLE items_item DROP COLUMN search_words;
{_update_trigger(SEARCHED)}
"""

BACKWARD_SQL = f"""
DROP TRIGGER item_search_fields_update ON items_item;
ALTER TABLE items_item ADD COLUMN search_words text;
UPDATE items_item SET search_words = public.item_search_words(name, tags);
ALTER TABLE items_item ALTER COLUMN search_words SET NOT NULL;
CREATE OR REPLACE FUNCTION public.item_search_fields() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := public.item_search_document(NEW.name, NEW.description, NEW.tags);
    NEW.search_words := public.item_search_words(NEW.name, NEW.tags);
    RETURN NEW;
END
$$;
{_update_trigger(OLD_SEARCHED)}
"""


class Migration(migrations.Migration):
    dependencies = [
        ("items", "0010_history"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD_SQL, reverse_sql=BACKWARD_SQL)],
            state_operations=[migrations.RemoveField(model_name="item", name="search_words")],
        ),
    ]
