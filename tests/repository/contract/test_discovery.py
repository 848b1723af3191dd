"""The discovery contract: facet counts and suggestions, the same on every backend."""

from __future__ import annotations

from decimal import Decimal

import pytest

from items.records import STAFF, FacetValue, ItemData, ItemFilter, Suggestion, Viewer

ANON = Viewer()
ALL = ("category", "price", "tags")


def _data(name, price="10.00", category="autre", **extra) -> ItemData:
    return ItemData(name=name, price=Decimal(price), category=category, **extra)


@pytest.fixture
def catalog(repository, owner_id):
    """Six items: one inactive, one inactive and owned by a user."""
    specs = [
        _data("Écran 4K", "300.00", "electronique", tags=("ecran", "4k")),
        _data("Clean Code", "45.50", "livre", tags=("programmation", "livre")),
        _data("T-shirt", "29.99", "vetement", tags=("coton", "bio")),
        _data("Casque", "299.99", "electronique", tags=("audio",), is_active=False),
        _data("Agenda", "29.99", "autre", tags=("papeterie", "bio")),
    ]
    records = [repository.create(spec) for spec in specs]
    owned = _data("Roman", "12.00", "livre", tags=("livre", "roman"), is_active=False)
    records.append(repository.create(owned, created_by_id=owner_id))
    return {record.name: record for record in records}


def counts(facet: list[FacetValue]) -> dict[str, int]:
    return {value.value: value.count for value in facet}


def test_facets_count_every_category_band_and_the_top_tags(repository, catalog):
    facets = repository.facets(ALL, filter=ItemFilter(viewer=ANON))
    assert list(facets) == list(ALL)
    assert counts(facets["category"]) == {"electronique": 1, "vetement": 1, "livre": 1, "autre": 1}
    assert counts(facets["price"]) == {"0-50": 3, "50-200": 0, "200-1000": 1, "1000+": 0}
    # Most frequent first, ties by tag; an inactive item's tags ("audio") are not counted.
    assert [(v.value, v.count) for v in facets["tags"]] == [
        ("bio", 2),
        ("4k", 1),
        ("coton", 1),
        ("ecran", 1),
        ("livre", 1),
        ("papeterie", 1),
        ("programmation", 1),
    ]


def test_facets_count_what_each_viewer_may_see(repository, catalog, owner_id):
    staff = repository.facets(["category"], filter=ItemFilter(viewer=STAFF))
    assert counts(staff["category"]) == {"electronique": 2, "vetement": 1, "livre": 2, "autre": 1}
    owner = repository.facets(["category"], filter=ItemFilter(viewer=Viewer(user_id=owner_id)))
    assert counts(owner["category"])["livre"] == 2  # their own inactive "Roman" too
    stranger = repository.facets(["category"], filter=ItemFilter(viewer=Viewer(user_id=-1)))
    assert counts(stranger["category"])["livre"] == 1


def test_each_facet_leaves_its_own_filter_out(repository, catalog):
    chosen = ItemFilter(category="livre", max_price=Decimal("40"), viewer=STAFF)
    facets = repository.facets(ALL, filter=chosen)
    # Category: every category under the price filter, "livre" still among them.
    assert counts(facets["category"]) == {"electronique": 0, "vetement": 1, "livre": 1, "autre": 1}
    # Price: every band among the books, whatever the price filter.
    assert counts(facets["price"]) == {"0-50": 2, "50-200": 0, "200-1000": 0, "1000+": 0}
    # Tags: under both other filters (Roman, 12.00, a book).
    assert counts(facets["tags"]) == {"livre": 1, "roman": 1}


def test_the_tags_facet_leaves_the_tags_filter_out_and_others_keep_it(repository, catalog):
    facets = repository.facets(ALL, filter=ItemFilter(tags=("bio",), viewer=ANON))
    assert counts(facets["category"]) == {"electronique": 0, "vetement": 1, "livre": 0, "autre": 1}
    assert counts(facets["price"])["0-50"] == 2
    assert counts(facets["tags"])["programmation"] == 1  # not narrowed to "bio" items
    every = repository.facets(
        ["tags"], filter=ItemFilter(tags=("bio", "4k"), tags_match="all", viewer=STAFF)
    )
    assert counts(every["tags"])["audio"] == 1


def test_other_filters_hold_for_every_facet(repository, catalog):
    inactive = repository.facets(ALL, filter=ItemFilter(is_active=False, viewer=STAFF))
    assert counts(inactive["category"]) == {
        "electronique": 1,
        "vetement": 0,
        "livre": 1,
        "autre": 0,
    }
    assert counts(inactive["price"]) == {"0-50": 1, "50-200": 0, "200-1000": 1, "1000+": 0}
    assert counts(inactive["tags"]) == {"audio": 1, "livre": 1, "roman": 1}


def test_price_bands_hold_their_lower_bound_and_not_their_upper(repository):
    for price in ("0.00", "49.99", "50.00", "199.99", "200.00", "999.99", "1000.00", "99999.99"):
        repository.create(_data(f"Prix {price}", price))
    facets = repository.facets(["price"])
    assert counts(facets["price"]) == {"0-50": 2, "50-200": 2, "200-1000": 2, "1000+": 2}


def test_the_tags_facet_keeps_the_twenty_most_frequent(repository):
    holders: list[list[str]] = [[] for _ in range(25)]
    slot = 0
    for k in range(25):  # tag k on 25 - k items, dealt round the items (13 tags each)
        for _ in range(25 - k):
            holders[slot % 25].append(f"tag{k:02d}")
            slot += 1
    for n, tags in enumerate(holders):
        repository.create(_data(f"Article {n}", tags=tuple(tags)))
    top = repository.facets(["tags"])["tags"]
    assert [(v.value, v.count) for v in top] == [(f"tag{k:02d}", 25 - k) for k in range(20)]


def test_facets_of_an_empty_catalog_are_zeros(repository):
    facets = repository.facets(ALL)
    assert all(value.count == 0 for value in facets["category"] + facets["price"])
    assert facets["tags"] == []
    assert repository.facets([]) == {}


def test_search_facets_count_the_matches_only(repository, catalog):
    facets = repository.facets(ALL, filter=ItemFilter(viewer=STAFF), query="roman")
    assert counts(facets["category"]) == {"electronique": 0, "vetement": 0, "livre": 1, "autre": 0}
    chosen = ItemFilter(category="vetement", viewer=STAFF)
    narrowed = repository.facets(ALL, filter=chosen, query="roman")
    assert counts(narrowed["category"])["livre"] == 1  # its own filter left out
    assert counts(narrowed["price"])["0-50"] == 0  # the category filter holds here
    blank = repository.facets(ALL, filter=chosen, query="  ")
    assert counts(blank["category"])["livre"] == 0


# --- Suggestions ----------------------------------------------------------------------------


def names(found: list[Suggestion]) -> list[str]:
    return [s.text for s in found if s.kind == "name"]


def test_suggestions_are_names_starting_with_the_prefix(repository, catalog):
    assert names(repository.suggest("C", viewer=STAFF)) == ["Casque", "Clean Code"]
    assert names(repository.suggest("Ag", viewer=STAFF)) == ["Agenda"]
    assert names(repository.suggest("Zz", viewer=STAFF)) == []
    assert repository.suggest("", viewer=STAFF) == []


def test_suggestions_are_names_the_viewer_may_see(repository, catalog, owner_id):
    assert names(repository.suggest("C", viewer=ANON)) == ["Clean Code"]
    assert names(repository.suggest("R", viewer=ANON)) == []
    assert names(repository.suggest("R", viewer=Viewer(user_id=owner_id))) == ["Roman"]
    assert names(repository.suggest("R", viewer=Viewer(user_id=-1))) == []


@pytest.mark.needs_collation
def test_suggestions_ignore_accents_and_case(repository, catalog):
    assert names(repository.suggest("ecr", viewer=STAFF)) == ["Écran 4K"]
    assert names(repository.suggest("ÉCR", viewer=STAFF)) == ["Écran 4K"]
    assert names(repository.suggest("clean c", viewer=STAFF)) == ["Clean Code"]


def test_suggestions_give_each_name_once_and_stop_at_the_limit(repository):
    for _ in range(3):
        repository.create(_data("Lampe"))
    repository.create(_data("Lampe de bureau"))
    for n in range(12):
        repository.create(_data(f"Article {n:02d}"))
    assert names(repository.suggest("Lam", viewer=STAFF)) == ["Lampe", "Lampe de bureau"]
    # Vocabulary words may take up to half the places ("article" on PostgreSQL).
    found = repository.suggest("Art", viewer=STAFF, limit=10)
    assert len(found) == 10 and len(names(found)) >= 5
    assert names(found) == [f"Article {n:02d}" for n in range(len(names(found)))]
    assert len(repository.suggest("Art", viewer=STAFF, limit=3)) == 3


def test_a_prefix_is_taken_literally(repository):
    for name in ("50% off", "500 pages", "a_b", "axb", "c\\d", "cxd"):
        repository.create(_data(name))
    assert names(repository.suggest("50%", viewer=STAFF)) == ["50% off"]
    assert names(repository.suggest("a_", viewer=STAFF)) == ["a_b"]
    assert names(repository.suggest("c\\", viewer=STAFF)) == ["c\\d"]
