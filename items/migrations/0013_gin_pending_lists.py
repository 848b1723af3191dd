"""The items' GIN indexes keep a short pending list: 128 kB instead of PostgreSQL's 4 MB.

A write adds its new index entries to the index's pending list, and every search or tag filter
reads the whole list before the index proper. With the default limit, a catalog taking writes
carried up to 4 MB there: on 100,000 items, a search for a rare word read 425 index pages
instead of 4 (about 3 ms more). At 128 kB the list is merged every few hundred writes. On
PostgreSQL 15 with 100,000 items, 3,000 price updates took the same time either way
(median 0.90-0.96 ms each), and seeding 20,000 items too (3.4-3.6 s); turning the list off
altogether (``fastupdate = off``) made the seeding 50% slower.

A storage parameter, set in place: the indexes are not rebuilt.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

INDEXES = ("item_tags_gin", "item_search_gin")
SET = "".join(f"ALTER INDEX {name} SET (gin_pending_list_limit = 128);" for name in INDEXES)
RESET = "".join(f"ALTER INDEX {name} RESET (gin_pending_list_limit);" for name in INDEXES)


class Migration(migrations.Migration):
    dependencies = [
        ("items", "0012_facet_cells_hot"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(SET, reverse_sql=RESET)],
            state_operations=[
                migrations.RemoveIndex(model_name="item", name="item_tags_gin"),
                migrations.RemoveIndex(model_name="item", name="item_search_gin"),
                migrations.AddIndex(
                    model_name="item",
                    index=GinIndex(
                        fields=["tags"], gin_pending_list_limit=128, name="item_tags_gin"
                    ),
                ),
                migrations.AddIndex(
                    model_name="item",
                    index=GinIndex(
                        fields=["search_document"],
                        gin_pending_list_limit=128,
                        name="item_search_gin",
                    ),
                ),
            ],
        ),
    ]
