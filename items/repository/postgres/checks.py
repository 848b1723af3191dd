"""A system check: every index the applied migrations define exists in the database.

An index dropped and never rebuilt (a bulk load killed half-way used to leave the GIN indexes
so) costs nothing visible but time: filters and searches scan the whole table. ``manage.py
check`` (and every command that runs the checks) warns about each one and prints the SQL that
rebuilds it. The check reads the database only when the checks run, never at import; it says
nothing about a database it cannot reach, or tables whose migrations are not applied yet (that
is ``migrate``'s business).
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.core.checks import CheckMessage, register
from django.core.checks import Warning as CheckWarning
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.db.backends.utils import truncate_name
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ModelState, ProjectState

TAG = "indexes"  # ``manage.py check --tag indexes`` runs this check alone


def _table(model: ModelState) -> str:
    default = f"{model.app_label}_{model.name_lower}"
    return model.options.get("db_table") or truncate_name(default, connection.ops.max_name_length())


def _reachable() -> bool:
    """Whether the server answers within seconds: asked apart from the connection pool, which
    would wait its whole timeout (and log each retry) for a server that is down."""
    try:
        params = connection.get_connection_params()
        params.setdefault("connect_timeout", 3)  # the settings' own, when they set one
        with psycopg.connect(**params):
            return True
    except (psycopg.Error, ImproperlyConfigured):
        return False


def _applied_state() -> ProjectState | None:
    """The models as the applied migrations leave them; None when none is applied."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    applied = [key for key in loader.applied_migrations if key in loader.graph.nodes]
    return loader.project_state(nodes=applied, at_end=True) if applied else None


def _present_indexes() -> dict[str, set[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema()"
        )
        present: dict[str, set[str]] = {}
        for table, index in cursor.fetchall():
            present.setdefault(table, set()).add(index)
        return present


def _rebuild_sql(state: ProjectState, model: ModelState, index: Any) -> str:
    rendered = state.apps.get_model(model.app_label, model.name)
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        return f"{index.create_sql(rendered, editor)};"


@register(TAG)
def missing_indexes(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A warning for each index of an applied migration that the database lacks."""
    if not _reachable():
        return []  # the first query will say so; this check has nothing to compare
    try:
        state = _applied_state()
        present = _present_indexes() if state else {}
    except DatabaseError:
        return []
    warnings = []
    for model in state.models.values() if state else ():
        table = _table(model)
        for index in model.options.get("indexes", []):
            if table in present and index.name not in present[table]:
                warnings.append(
                    CheckWarning(
                        f"Index {index.name} of table {table} is missing: queries it serves "
                        "scan the whole table.",
                        hint=f"Rebuild it: {_rebuild_sql(state, model, index)}",
                        id="items.W001",
                    )
                )
    return warnings
