"""``manage.py check`` warns when an index the applied migrations define is missing."""

from __future__ import annotations

import pytest
from django.core import checks
from django.db import connection


def _index_warnings() -> list[checks.CheckMessage]:
    return checks.run_checks(tags=["indexes"])


@pytest.mark.django_db
def test_a_missing_index_is_named_with_the_sql_that_rebuilds_it():
    assert _index_warnings() == []
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "item_search_gin"')
    [warning] = _index_warnings()
    assert warning.level == checks.WARNING and warning.id == "items.W001"
    assert "item_search_gin" in warning.msg and "items_item" in warning.msg
    with connection.cursor() as cursor:
        cursor.execute(warning.hint.removeprefix("Rebuild it: "))
    assert _index_warnings() == []


def test_the_check_waits_for_migrations_and_speaks_through_manage_py_check(scratch):
    def check() -> str:
        run = scratch.manage("check")
        return run.stdout + run.stderr

    assert "no issues" in check()  # nothing migrated: nothing to compare
    scratch.manage("migrate", "items", "0001", "--noinput")
    assert "no issues" in check()  # the search indexes come with 0002, not applied yet
    scratch.manage("migrate", "--noinput")
    scratch.query('DROP INDEX "item_search_gin"')
    assert "items.W001" in check() and "item_search_gin" in check()
