"""Indexes for a category's list pages, in both list orders the catalog is read in most.

(category, is_active) then the sort value and id: a filtered, ordered page, first or
cursor-deep, is one short index range; the old (category, is_active) index is their prefix, so
it goes. Built concurrently: the table stays writable while a large catalog is indexed.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("items", "0005_search_document_trigger"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="item",
            index=models.Index(
                fields=["category", "is_active", "created_at", "id"],
                name="item_category_created_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="item",
            index=models.Index(
                fields=["category", "is_active", "price", "id"], name="item_category_price_idx"
            ),
        ),
        RemoveIndexConcurrently(model_name="item", name="item_category_active_idx"),
    ]
