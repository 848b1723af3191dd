"""A GIN index on the name part of the search document (its lexemes of weight A).

For a one-word query, every item holding the word in its name ranks above every item holding it
only in its description or tags (``postgres/search.names_first`` says why). When many items hold
the word, the best of them are then found among the name matches alone, through this index,
instead of ranking every match: at 1,000,000 items, 37 ms instead of 99 for a word 95,000 items
hold, 31,000 of them in their name.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

import items.models


class Migration(migrations.Migration):
    dependencies = [
        ("items", "0013_gin_pending_lists"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="item",
            index=GinIndex(
                items.models.NameTerms("search_document"),
                gin_pending_list_limit=128,
                name="item_search_name_gin",
            ),
        ),
    ]
