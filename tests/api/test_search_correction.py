"""Typo correction through the API: it says what it searched, and the query keeps its meaning.

A corrected search must return exactly what the corrected query returns when typed, under
every filter and for every viewer, and a correction must never reveal a hidden item.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from items.api import search as search_page
from tests.support.factories import make_item

pytestmark = pytest.mark.django_db

SEARCH = "/api/items/search/"


@pytest.fixture
def headphones(user):
    make_item(
        name="Casque Bose", description="Réduction de bruit", tags=["audio"], price=Decimal("349")
    )
    make_item(
        name="Casque Sony", description="Sans fil, bluetooth", tags=["audio"], price=Decimal("99")
    )
    make_item(
        name="Casque de vélo",
        description="Léger",
        tags=["sport"],
        price=Decimal("59"),
        category="autre",
    )
    make_item(
        name="Casque Philips",
        description="Filaire",
        tags=["audio"],
        price=Decimal("29"),
        is_active=False,
    )
    make_item(
        name="Casque JBL",
        description="Bluetooth",
        tags=["audio"],
        price=Decimal("79"),
        created_by=user,
    )
    make_item(name="Lampe de bureau", description="Lumière chaude", price=Decimal("25"))


def _search(client, **params) -> dict:
    response = client.get(SEARCH, {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return response.json()


def _names(body: dict) -> list[str]:
    return [item["name"] for item in body["results"]]


def test_a_corrected_search_says_what_it_searched(anon_client, headphones):
    body = _search(anon_client, q="casqe")
    assert body["query"] == "casqe"
    assert body["corrected_query"] == "casque"
    assert set(_names(body)) == {"Casque Bose", "Casque Sony", "Casque de vélo", "Casque JBL"}
    exact = _search(anon_client, q="casque")
    assert exact["corrected_query"] is None and exact["query"] == "casque"
    assert _names(exact) == _names(body)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"category": "autre"},
        {"category": "electronique", "max_price": "100"},
        {"min_price": "80"},
        {"tags": "audio"},
        {"tags": "audio,sport", "tags_match": "any"},
        {"is_active": "false"},
    ],
)
@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("casqe", "casque"),
        ("casqe -bose", "casque -bose"),
        ("casqe -bluetoth", "casque -bluetooth"),
        ('"casqe bose"', '"casque bose"'),
        ("casqe or lampee", "casque or lampe"),
    ],
)
@pytest.mark.parametrize("who", ["anon_client", "user_client", "staff_client"])
def test_corrected_results_are_exactly_those_of_the_corrected_query(
    request, headphones, filters, typed, meant, who
):
    client = request.getfixturevalue(who)
    corrected = _search(client, q=typed, **filters)
    assert corrected["corrected_query"] == meant
    typed_right = _search(client, q=meant, **filters)
    assert typed_right["corrected_query"] is None
    assert corrected["results"] == typed_right["results"]
    assert corrected["count"] == typed_right["count"]


def test_exclusions_hold_after_correction(anon_client, headphones):
    """The old trigram fallback returned the very items a query excluded."""
    names = _names(_search(anon_client, q="casqe -bose -sony"))
    assert names and not any("Bose" in n or "Sony" in n for n in names)
    assert "Casque Sony" not in _names(_search(anon_client, q="casqe -bluetoth"))
    assert _search(anon_client, q="casqe -casque")["results"] == []


def test_a_correction_never_reveals_a_hidden_item(anon_client, staff_client, user_client, user):
    make_item(name="Prototype confidentiel", price=Decimal("10"), is_active=False)
    make_item(name="Prototype secret", price=Decimal("10"), is_active=False, created_by=user)
    anonymous = _search(anon_client, q="confidentiell")
    assert anonymous["corrected_query"] is None and anonymous["results"] == []
    # Staff see hidden items: their exact word is theirs, not a typo to correct.
    staff = _search(staff_client, q="confidentiel")
    assert staff["corrected_query"] is None and _names(staff) == ["Prototype confidentiel"]
    owner = _search(user_client, q="secret")
    assert owner["corrected_query"] is None and _names(owner) == ["Prototype secret"]


def test_highlights_mark_the_corrected_words(anon_client, headphones):
    body = _search(anon_client, q="casqe bluetoth", highlight="1")
    assert body["corrected_query"] == "casque bluetooth"
    [hit] = [item for item in body["results"] if item["name"] == "Casque Sony"]
    assert "<mark>Casque</mark>" in hit["highlight"]
    assert "<mark>bluetooth</mark>" in hit["highlight"]


def test_the_browsable_api_shows_a_did_you_mean(client, headphones):
    page = client.get(SEARCH, {"q": "casqe"}, HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Did you mean" in html and "<strong>casque</strong>" in html
    plain = client.get(SEARCH, {"q": "casque"}, HTTP_ACCEPT="text/html").content.decode()
    assert "Did you mean" not in plain


def test_numbers_short_words_and_unknown_words_stay_as_written(anon_client, headphones):
    assert _search(anon_client, q="casque 350")["corrected_query"] is None
    assert _search(anon_client, q="xyzzyq")["corrected_query"] is None
    assert _search(anon_client, q="de")["corrected_query"] is None


def test_counts_stop_at_the_limit_and_say_so(anon_client, headphones, monkeypatch):
    class SmallCount(search_page.SearchCount):
        def __init__(self) -> None:
            super().__init__()
            self.limit = 2

    monkeypatch.setattr("items.api.reading.SearchCount", SmallCount)
    first = _search(anon_client, q="casque", page_size=1)
    assert first["count"] == 2 and first["count_exact"] is False
    second = anon_client.get(first["next"]).json()
    assert second["next"] is None  # pages reach as far as the count says
    exact = _search(anon_client, q="lampe")
    assert exact["count"] == 1 and exact["count_exact"] is True


def test_a_count_of_exactly_the_limit_is_exact(anon_client, headphones, monkeypatch):
    class SmallCount(search_page.SearchCount):
        def __init__(self) -> None:
            super().__init__()
            self.limit = 4

    monkeypatch.setattr("items.api.reading.SearchCount", SmallCount)
    body = _search(anon_client, q="casque")
    assert body["count"] == 4 and body["count_exact"] is True
    assert Decimal(body["results"][0]["price"]) > 0
