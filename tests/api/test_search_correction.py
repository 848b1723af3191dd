"""Typo correction through the API: it says what it searched, and the query keeps its meaning.

A corrected search must return exactly what the corrected query returns when typed, under
every filter and for every viewer, and a correction must never reveal a hidden item.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

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


def test_a_search_ranks_and_counts_in_one_pass(anon_client, headphones):
    """The page and its count come from one ranked query: no second COUNT over the matches."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        body = _search(anon_client, q="casque", page_size=2)
    assert body["count"] == 4 and len(body["results"]) == 2
    statements = [q["sql"] for q in queries.captured_queries]
    assert not any(sql.startswith("SELECT COUNT(*)") for sql in statements), statements
    last = _search(anon_client, q="casque", page_size=3, page=2)
    assert last["count"] == 4 and len(last["results"]) == 1 and last["next"] is None
    assert anon_client.get(SEARCH, {"q": "casque", "page": 3, "page_size": 3}).status_code == 404
    far = {"q": "casque", "page": "9" * 25, "page_size": 100}  # an OFFSET beyond bigint
    assert anon_client.get(SEARCH, far).status_code == 404
    walked = _names(_search(anon_client, q="casque", page_size=3)) + _names(last)
    assert walked == _names(_search(anon_client, q="casque"))


def test_a_misspelt_search_looks_its_words_up_once(anon_client, headphones):
    """The correction is found once, with the page; the corrected query is not corrected again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        body = _search(anon_client, q="casqe bluetoth", highlight="true")
    assert body["corrected_query"] == "casque bluetooth"
    lookups = [q["sql"] for q in queries.captured_queries if "items_search_vocabulary" in q["sql"]]
    assert len(lookups) == 1, lookups
