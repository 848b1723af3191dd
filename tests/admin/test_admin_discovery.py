"""The admin's item list counts beside its filters, and its search box asks for suggestions."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/items/item/"


@pytest.fixture
def shelf():
    ItemFactory(name="Roman", category="livre", price=Decimal("20"))
    ItemFactory(name="Essai", category="livre", price=Decimal("49.99"), is_active=False)
    ItemFactory(name="Casque", category="electronique", price=Decimal("200"))
    ItemFactory(name="Ordinateur", category="electronique", price=Decimal("1500"))


def filter_counts(page: str) -> dict[str, str]:
    """Each filter choice's label with the count shown beside it."""
    found = re.findall(r'<a href="\?[^"]*"[^>]*>\s*([^<]+?)\s*\((\d+)\)\s*</a>', page)
    return {label: int(count) for label, count in found}


def test_filters_show_their_counts(admin_client, shelf):
    page = admin_client.get(CHANGELIST).content.decode()
    counts = filter_counts(page)
    assert counts["Livre"] == 2 and counts["Électronique"] == 2 and counts["Autre"] == 0
    assert counts["under 50"] == 2 and counts["200 to 1,000"] == 1
    assert counts["1,000 and over"] == 1 and counts["50 to 200"] == 0


def test_each_filter_counts_without_its_own_choice(admin_client, shelf):
    page = admin_client.get(f"{CHANGELIST}?category__exact=livre").content.decode()
    counts = filter_counts(page)
    assert counts["Électronique"] == 2  # the category filter counts every category
    assert counts["under 50"] == 2 and counts["1,000 and over"] == 0  # others: books only


def test_price_bands_are_counted_in_one_pass(admin_client, shelf):
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(CHANGELIST)
    price_counts = [q["sql"] for q in queries.captured_queries if '"price" >= 1000' in q["sql"]]
    assert len(price_counts) == 1
    assert " IN (SELECT" not in price_counts[0]


def test_the_search_box_asks_for_suggestions(admin_client):
    page = admin_client.get(CHANGELIST).content.decode()
    script = re.search(r'<script src="([^"]*suggest\.js)" data-suggest-url="([^"]+)"', page)
    assert script is not None
    assert script[2] == "/api/items/suggest/"
    assert finders.find("items/admin/suggest.js") is not None
    assert finders.find("items/admin/suggest.css") is not None
    assert 'id="searchbar"' in page
