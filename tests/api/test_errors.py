"""Bad input gets a 4xx in one JSON shape that names the field at fault, never a 500.

Every test runs once per item backend; items are made and checked through the repository.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from items.repository import get_item_repository
from tests.support.factories import item_backend, make_item, make_items, skip_without_text_search
from tests.support.throttles import throttle_rate

pytestmark = pytest.mark.django_db

LIST = "/api/items/"
GOOD = {"name": "Lampe", "price": "10.00", "category": "autre"}


@pytest.fixture(autouse=True, params=["postgres", "mongodb"])
def backend(request, settings, monkeypatch):
    with item_backend(request.param, settings=settings, monkeypatch=monkeypatch):
        yield request.param


def attrs(response) -> set[str]:
    body = response.json()
    assert body["type"] == "validation_error", body
    return {error["attr"] for error in body["errors"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": "-1"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "NaN"}, "price"),
        ({"price": "1.234"}, "price"),
        ({"price": "123456789.00"}, "price"),
        ({"category": "jouet"}, "category"),
        ({"name": "x" * 101}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "nul\x00byte"}, "name"),
        ({"description": "d" * 501}, "description"),
        ({"tags": "not-a-list"}, "tags"),  # JSON sends a list (issue 29, item 4)
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"tags": ["x" * 51]}, "tags.0"),
        ({"is_active": "maybe"}, "is_active"),
    ],
)
def test_bad_fields_get_400_naming_them(user_client, change, field):
    response = user_client.post(LIST, {**GOOD, **change}, format="json")
    if field is None:
        assert response.status_code == 201
        return
    assert response.status_code == 400
    assert field in attrs(response)
    assert get_item_repository().count() == 0


# What Python's Decimal (and so DRF) would read, but a price may not say: digit separators,
# exponents, a bare point, full-width and Arabic-Indic digits, spaces and signs; and JSON that
# is neither a number nor text.
LOOSE_PRICES = ["5_0", "1e2", "1E2", "\uff11\uff12", "\u0661\u0662", ".5", "5.", " 5", "5 ", "+5"]


@pytest.mark.parametrize("price", [*LOOSE_PRICES, "Infinity", True, [5], {"amount": 5}, None])
def test_a_price_is_a_json_number_or_ascii_digits(user_client, price):
    response = user_client.post(LIST, {**GOOD, "price": price}, format="json")
    assert response.status_code == 400
    assert attrs(response) == {"price"}
    assert get_item_repository().count() == 0


@pytest.mark.parametrize("price", LOOSE_PRICES)
@pytest.mark.parametrize("name", ["min_price", "max_price"])
def test_price_filters_take_ascii_digits_only(anon_client, name, price):
    response = anon_client.get(LIST, {name: price})
    assert response.status_code == 400
    assert attrs(response) == {name}


@pytest.mark.parametrize(
    ("price", "shown"),
    [
        (12, "12.00"),
        (12.5, "12.50"),
        (-0.0, "0.00"),
        ("0", "0.00"),
        ("007.5", "7.50"),
        ("12345678.99", None),
    ],
)
def test_numbers_and_digit_strings_are_prices(user_client, price, shown):
    response = user_client.post(LIST, {**GOOD, "price": price}, format="json")
    assert response.status_code == 201
    assert response.json()["price"] == (shown or price)


@pytest.mark.parametrize("price", ["-1", -1, "-0.5"])
def test_a_negative_price_is_refused_for_being_negative(user_client, price):
    response = user_client.post(LIST, {**GOOD, "price": price}, format="json")
    assert response.status_code == 400
    assert "greater than or equal to 0" in response.json()["errors"][0]["detail"]


def test_missing_fields_are_all_named(user_client):
    response = user_client.post(LIST, {}, format="json")
    assert response.status_code == 400
    assert attrs(response) == {"name", "price", "category"}


def test_odd_unicode_is_stored_intact_or_refused_never_500(user_client):
    for name in ["Café ☕ 😀", "\u202eRTL", "名前", "e\u0301"]:
        response = user_client.post(LIST, {**GOOD, "name": name}, format="json")
        assert response.status_code == 201, (name, response.content)
    surrogate = b'{"name": "\\ud800", "price": "1", "category": "autre"}'
    response = user_client.post(LIST, surrogate, content_type="application/json")
    assert response.status_code == 400


def test_malformed_json_is_400(user_client):
    response = user_client.post(LIST, b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "client_error"


def test_unsupported_media_type_is_415(user_client):
    response = user_client.post(LIST, b"<xml/>", content_type="application/xml")
    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"


def test_unknown_method_is_405(user_client):
    assert user_client.put(LIST, GOOD, format="json").status_code == 405


@pytest.mark.parametrize("item_id", ["not-a-uuid", "123", "00000000-0000-0000-0000-000000000000"])
def test_bad_or_unknown_ids_are_404(anon_client, item_id):
    response = anon_client.get(f"/api/items/{item_id}/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"ordering": "password"}, "ordering"),
        ({"min_price": "-5"}, "min_price"),
        ({"min_price": "cheap"}, "min_price"),
        ({"category": "jouet"}, "category"),
        ({"is_active": "perhaps"}, "is_active"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"tags_match": "some"}, "tags_match"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_bad_list_parameters_get_400_naming_them(anon_client, params, field):
    make_item()
    response = anon_client.get(LIST, params)
    assert response.status_code == 400
    assert field in attrs(response)


@pytest.mark.parametrize("page", ["9999", "9" * 5000])
def test_pages_past_the_end_are_404_not_500(anon_client, page):
    make_item()
    response = anon_client.get(LIST, {"page": page})
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


# Superscript two, full-width 12, Arabic-Indic 12, bold 2: str.isdigit() says yes to all of
# them, and int() reads all but the first.
UNICODE_DIGITS = ["\u00b2", "\uff11\uff12", "\u0661\u0662", "\U0001d7d0"]


@pytest.mark.parametrize("name", ["page", "page_size"])
@pytest.mark.parametrize(
    "value", ["0", "-3", "abc", "1.5", "", "last", "+2", " 2", "2 ", *UNICODE_DIGITS]
)
def test_integer_parameters_take_ascii_digits_only(anon_client, name, value):
    make_item()
    response = anon_client.get(LIST, {name: value})
    assert response.status_code == 400
    assert attrs(response) == {name}


@pytest.mark.parametrize("page_size", ["999999999999999999999", "9" * 5000])
def test_a_huge_page_size_is_capped_at_100(anon_client, page_size):
    make_items(101)
    response = anon_client.get(LIST, {"page_size": page_size})
    assert response.status_code == 200 and len(response.json()["results"]) == 100


def test_an_empty_price_range_matches_nothing(anon_client):
    make_item(price=Decimal("30.00"))
    response = anon_client.get(LIST, {"min_price": "50", "max_price": "10"})
    assert response.status_code == 200 and response.json()["count"] == 0


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        "!!!",
        '"open',
        "'; DROP TABLE items_item; --",
        "x" * 10_000,
        "\x00\x01",
        "ça\u0301",
    ],
)
def test_search_answers_any_text(anon_client, q, backend):
    skip_without_text_search(backend)
    make_item(name="Lampe")
    response = anon_client.get("/api/items/search/", {"q": q})
    assert response.status_code == 200
    assert get_item_repository().count() == 1


def test_search_without_q_names_it(anon_client):
    response = anon_client.get("/api/items/search/")
    assert response.status_code == 400
    assert attrs(response) == {"q"}


def test_throttled_requests_get_429_in_the_same_shape(anon_client):
    from rest_framework.throttling import AnonRateThrottle

    with throttle_rate(AnonRateThrottle, "anon", "2/min"):
        responses = [anon_client.get(LIST) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[-1].json()["errors"][0]["code"] == "throttled"
    assert "Retry-After" in responses[-1]


def test_server_errors_are_masked_and_carry_a_request_id(anon_client, monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(type(get_item_repository()), "find_all", explode)
    anon_client.raise_request_exception = False
    response = anon_client.get(LIST)
    assert response.status_code == 500
    body = response.json()
    assert body["type"] == "server_error"
    assert "secret" not in response.content.decode()
    assert response["X-Request-ID"]
    assert any(response["X-Request-ID"] in getattr(r, "request_id", "") for r in caplog.records)
