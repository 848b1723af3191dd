"""What a write (and a read miss) costs the database, counted on the wire: every statement sent.

``CaptureQueriesContext`` does not see ``BEGIN`` and ``COMMIT`` (psycopg sends them itself), so
these tests read libpq's protocol trace of the connection instead: each simple query
(``Query``) or prepared one (``Parse``) the server receives is one statement. The caller is
signed in by ``force_authenticate``: how a token is checked is authentication's business, not
the write's, so only the write's own statements are counted.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from items.models import Item
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)

_SENT = re.compile(r"\tF\t\d+\t(Query|Parse)\t+(.*)")
# A read's statements carry their timeout in the same message (core.database.reads): one
# message, one round trip, read here as the statement it bounds.
_READ_BOUND = re.compile(r'^"SET LOCAL statement_timeout = (\d+); ')


@contextmanager
def statements_sent(bounds: list[int] | None = None) -> Iterator[list[str]]:
    """The statements the connection sends inside the block, as libpq traces them (one per
    message); each read bound a message carries is appended to ``bounds``."""
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    sent: list[str] = []
    with tempfile.TemporaryFile("w+") as trace:
        pgconn.trace(trace.fileno())
        try:
            yield sent
        finally:
            pgconn.untrace()
            trace.seek(0)
            for line in trace:
                match = _SENT.search(line)
                if match:
                    message = match.group(2).strip()
                    bound = _READ_BOUND.match(message)
                    if bound:
                        message = message[bound.end() :]
                        if bounds is not None:
                            bounds.append(int(bound.group(1)))
                    sent.append(message.split()[0].strip('"').upper())


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_patch_is_four_statements(staff):
    item = ItemFactory(price=Decimal("10.00"))
    client = client_for(staff)
    etag = client.get(f"/api/items/{item.pk}/")["ETag"]
    with statements_sent() as sent:
        response = client.patch(
            f"/api/items/{item.pk}/", {"price": "12.50"}, format="json", HTTP_IF_MATCH=etag
        )
    assert response.status_code == 200, response.content
    assert sent == ["BEGIN", "SELECT", "UPDATE", "COMMIT"], sent
    assert response.json()["price"] == "12.50"
    assert response["ETag"] == client.get(f"/api/items/{item.pk}/")["ETag"]


def test_the_update_sets_only_the_changed_columns(staff):
    item = ItemFactory(price=Decimal("10.00"), name="Lampe")
    with connection.execute_wrapper(_recording := _Recorder()):
        client_for(staff).patch(
            f"/api/items/{item.pk}/", {"price": "11.00", "name": "Lampe"}, format="json"
        )
    (update,) = [sql for sql in _recording.sql if sql.startswith("UPDATE")]
    assigned = update.split(" SET ")[1].split(" WHERE ")[0]
    assert '"price"' in assigned and '"updated_at"' in assigned
    assert '"name"' not in assigned  # unchanged: neither written nor re-normalised
    assert "RETURNING" in update


def test_refused_writes_stop_after_the_locking_read(user, other_user):
    item = ItemFactory(created_by=other_user)
    with statements_sent() as sent:
        response = client_for(user).patch(
            f"/api/items/{item.pk}/", {"price": "1.00"}, format="json"
        )
    assert response.status_code == 403
    assert "UPDATE" not in sent and sent.count("SELECT") == 1
    with statements_sent() as sent:
        response = client_for(other_user).patch(
            f"/api/items/{item.pk}/", {"price": "1.00"}, format="json", HTTP_IF_MATCH='"stale"'
        )
    assert response.status_code == 412
    assert "UPDATE" not in sent and sent.count("SELECT") == 1
    assert Item.objects.get(pk=item.pk).price == item.price


def test_a_delete_is_four_statements(staff):
    item = ItemFactory()
    with statements_sent() as sent:
        response = client_for(staff).delete(f"/api/items/{item.pk}/")
    assert response.status_code == 204
    assert sent == ["BEGIN", "SELECT", "DELETE", "COMMIT"], sent
    assert not Item.objects.filter(pk=item.pk).exists()


class _Recorder:
    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)


def test_the_trace_sees_every_statement():
    # The counter itself: a statement it missed would make the tests above pass wrongly.
    with statements_sent() as sent, connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.execute("SELECT 2")
    assert sent == ["SELECT", "SELECT"]


def test_a_read_miss_is_one_statement_without_a_transaction(staff, settings):
    # Reads keep out of ATOMIC_REQUESTS: a BEGIN and a COMMIT would double a miss's round trips.
    # Their timeout rides in each statement's own message.
    item = ItemFactory()
    bounds: list[int] = []
    with statements_sent(bounds) as sent:
        response = client_for(staff).get(f"/api/items/{item.pk}/")
    assert response.status_code == 200
    assert sent == ["SELECT"], sent
    with statements_sent(bounds) as sent:
        assert client_for(staff).get("/api/items/", {"category": item.category}).status_code == 200
    assert sent == ["SELECT", "SELECT"], sent  # the capped count, the page
    assert bounds == [settings.DB_READ_TIMEOUT_MS] * 3


def test_a_write_carries_no_read_bound(staff):
    item = ItemFactory()
    bounds: list[int] = []
    with statements_sent(bounds) as sent:
        client_for(staff).patch(f"/api/items/{item.pk}/", {"price": "2.00"}, format="json")
    assert sent == ["BEGIN", "SELECT", "UPDATE", "COMMIT"] and bounds == []
