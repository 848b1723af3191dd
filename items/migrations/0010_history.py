"""Item history: simple-history's table, written by triggers on the items table.

Three statement-level triggers (one per event: a trigger with transition tables takes one)
copy the rows a statement inserted, changed or deleted into ``items_historicalitem``, in that
statement, so a COPY of a million rows costs one INSERT ... SELECT, not a million calls. An
UPDATE that changes nothing in a row records nothing for it. The acting user is the
transaction-local setting ``catalog.actor`` (empty or unset: the system). Items already in the
table get a first version, dated at their creation.
"""

from decimal import Decimal

import django.contrib.postgres.fields
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import items.ids
import items.models

COLUMNS = (
    "id, name, description, price, category, tags, is_active, created_at, updated_at, created_by_id"
)
HISTORY_COLUMNS = f"{COLUMNS}, history_date, history_type, history_user_id"


def _copy(rows: str, kind: str, where: str = "") -> str:
    values = ", ".join(f"{rows}.{column}" for column in COLUMNS.split(", "))
    return (
        f"INSERT INTO items_historicalitem ({HISTORY_COLUMNS}) "
        f"SELECT {values}, statement_timestamp(), '{kind}', actor FROM {rows} {where};"
    )


_CHANGED = (
    "JOIN old_rows ON old_rows.id = new_rows.id WHERE "
    f"({', '.join('new_rows.' + c for c in COLUMNS.split(', '))}) IS DISTINCT FROM "
    f"({', '.join('old_rows.' + c for c in COLUMNS.split(', '))})"
)

HISTORY_TRIGGERS = f"""
CREATE FUNCTION items_item_history() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actor bigint := NULLIF(current_setting('catalog.actor', true), '')::bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_copy("new_rows", "+")}
    ELSIF TG_OP = 'UPDATE' THEN
        {_copy("new_rows", "~", _CHANGED)}
    ELSE
        {_copy("old_rows", "-")}
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER items_item_history_insert AFTER INSERT ON items_item
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION items_item_history();
CREATE TRIGGER items_item_history_update AFTER UPDATE ON items_item
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION items_item_history();
CREATE TRIGGER items_item_history_delete AFTER DELETE ON items_item
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION items_item_history();
"""
DROP_HISTORY_TRIGGERS = """
DROP TRIGGER items_item_history_insert ON items_item;
DROP TRIGGER items_item_history_update ON items_item;
DROP TRIGGER items_item_history_delete ON items_item;
DROP FUNCTION items_item_history();
"""
FIRST_VERSIONS = (
    f"INSERT INTO items_historicalitem ({HISTORY_COLUMNS}) "
    f"SELECT {COLUMNS}, created_at, '+', NULL FROM items_item ORDER BY created_at, id"
)


class Migration(migrations.Migration):
    dependencies = [
        ("items", "0009_discovery"),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalItem",
            fields=[
                (
                    "id",
                    models.UUIDField(db_index=True, default=items.ids.new_item_id, editable=False),
                ),
                ("name", models.CharField(max_length=100)),
                ("description", models.CharField(blank=True, default="", max_length=500)),
                (
                    "price",
                    items.models.PriceField(
                        decimal_places=2,
                        max_digits=10,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("electronique", "Électronique"),
                            ("vetement", "Vêtement"),
                            ("livre", "Livre"),
                            ("autre", "Autre"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "tags",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=50),
                        blank=True,
                        default=list,
                        size=20,
                    ),
                ),
                ("is_active", models.BooleanField(default=True)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "updated_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "history_id",
                    models.BigAutoField(editable=False, primary_key=True, serialize=False),
                ),
                ("history_date", models.DateTimeField()),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        help_text="Owner; empty means the item belongs to the catalog.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical item",
                "verbose_name_plural": "historical items",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunSQL(HISTORY_TRIGGERS, DROP_HISTORY_TRIGGERS),
        migrations.RunSQL(FIRST_VERSIONS, migrations.RunSQL.noop),
    ]
