"""The ItemRepository contract: every backend must pass this suite unchanged."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from items.records import (
    Cursor,
    InvalidItem,
    ItemData,
    ItemFilter,
    ItemRecord,
    Viewer,
)

# Every item, hidden ones included: what staff see.
EVERYTHING = ItemFilter(viewer=Viewer(is_staff=True))


def _data(name="Lampe", price="10.00", category="autre", **extra) -> ItemData:
    return ItemData(name=name, price=Decimal(price), category=category, **extra)


@pytest.fixture
def catalog(repository, owner_id):
    """Six items with distinct and tied sort values, one inactive and one owned by a user."""
    specs = [
        _data("Écran 4K", "300.00", "electronique", tags=("ecran", "4k")),
        _data("Clean Code", "45.50", "livre", tags=("programmation", "livre")),
        _data("T-shirt", "29.99", "vetement", tags=("coton", "bio")),
        _data("Casque", "299.99", "electronique", tags=("audio",), is_active=False),
        _data("Agenda", "29.99", "autre", tags=("papeterie", "bio")),
        _data("Roman", "12.00", "livre", tags=("livre", "roman")),
    ]
    records = [repository.create(spec) for spec in specs[:5]]
    records.append(repository.create(specs[5], created_by_id=owner_id))
    return {record.name: record for record in records}


def test_create_then_find_by_id_returns_equal_fields(repository):
    created = repository.create(
        _data(
            "  Smartphone  ",
            "899.99",
            "electronique",
            description="Samsung",
            tags=("a", "a", " b "),
        )
    )
    assert isinstance(created, ItemRecord)
    found = repository.find_by_id(created.id)
    assert found == created
    assert found.name == "Smartphone"
    assert found.tags == ("a", "b")
    assert found.price == Decimal("899.99")
    assert found.is_active is True
    assert found.created_by_id is None
    assert found.created_at.tzinfo is not None


def test_find_by_id_of_unknown_item_is_none(repository):
    assert repository.find_by_id(uuid.uuid4()) is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_data(price="-1"), "price"),
        (_data(category="jouet"), "category"),
        (_data(name="   "), "name"),
        (_data(name="n" * 101), "name"),
        (_data(description="d" * 501), "description"),
        (_data(tags=tuple(f"t{i}" for i in range(21))), "tags"),
        (_data(price="1.234"), "price"),
    ],
)
def test_create_refuses_invalid_data_naming_the_field(repository, data, field):
    with pytest.raises(InvalidItem) as caught:
        repository.create(data)
    assert field in caught.value.errors
    assert repository.count(EVERYTHING) == 0


def test_update_changes_fields_and_moves_updated_at(repository, catalog):
    before = catalog["Agenda"]
    after = repository.update(before.id, {"price": Decimal("35.00"), "tags": ["x", "x"]})
    assert after.price == Decimal("35.00")
    assert after.tags == ("x",)
    assert after.name == before.name
    assert after.created_at == before.created_at
    assert after.updated_at > before.updated_at
    assert repository.find_by_id(before.id) == after


def test_update_of_unknown_item_is_none(repository):
    assert repository.update(uuid.uuid4(), {"price": Decimal("1")}) is None


def test_update_refuses_invalid_and_read_only_fields(repository, catalog):
    item = catalog["Agenda"]
    with pytest.raises(InvalidItem) as caught:
        repository.update(item.id, {"price": Decimal("-3")})
    assert "price" in caught.value.errors
    with pytest.raises(InvalidItem) as caught:
        repository.update(item.id, {"created_at": datetime.now(UTC)})
    assert "created_at" in caught.value.errors
    assert repository.find_by_id(item.id) == item


def test_count_stops_at_most_at_the_cap(repository, catalog):
    assert repository.count(EVERYTHING) == 6
    assert [repository.count(EVERYTHING, at_most=n) for n in (0, 1, 5, 6, 7, 100)] == [
        0,
        1,
        5,
        6,
        6,
        6,
    ]
    assert repository.count(ItemFilter(is_active=False, viewer=EVERYTHING.viewer), at_most=1) == 1
    assert repository.count(ItemFilter(viewer=Viewer()), at_most=100) == 5


def test_delete_removes_once(repository, catalog):
    item = catalog["Roman"]
    assert repository.delete(item.id) is True
    assert repository.find_by_id(item.id) is None
    assert repository.delete(item.id) is False
    assert repository.count(EVERYTHING) == 5


@pytest.mark.parametrize("sort_by", ["name", "price", "created_at", "updated_at"])
@pytest.mark.parametrize("sort_order", ["asc", "desc"])
def test_find_all_orders_with_id_as_tie_break(repository, catalog, sort_by, sort_order):
    rows = repository.find_all(limit=50, sort_by=sort_by, sort_order=sort_order, filter=EVERYTHING)
    keys = [(row.sort_value(sort_by), row.id) for row in rows]
    assert keys == sorted(keys, reverse=sort_order == "desc")
    assert len(rows) == 6


def test_find_all_pages_with_limit_and_offset(repository, catalog):
    everything = repository.find_all(limit=50, sort_by="price", filter=EVERYTHING)
    pages = [
        repository.find_all(limit=2, offset=o, sort_by="price", filter=EVERYTHING)
        for o in (0, 2, 4, 6)
    ]
    assert [row for page in pages for row in page] == everything
    assert pages[-1] == []


def test_filters_combine(repository, catalog):
    def names(**conditions):
        found = repository.find_all(
            limit=50, sort_by="name", filter=ItemFilter(**conditions, viewer=EVERYTHING.viewer)
        )
        assert repository.count(ItemFilter(**conditions, viewer=EVERYTHING.viewer)) == len(found)
        return [row.name for row in found]

    assert names(category="electronique") == ["Casque", "Écran 4K"]
    assert names(category="electronique", is_active=True) == ["Écran 4K"]
    assert names(is_active=False) == ["Casque"]
    assert names(min_price=Decimal("29.99"), max_price=Decimal("45.50")) == [
        "Agenda",
        "Clean Code",
        "T-shirt",
    ]
    assert names(tags=("bio", "roman")) == ["Agenda", "Roman", "T-shirt"]
    assert names(tags=("livre", "roman"), tags_match="all") == ["Roman"]
    assert names(tags=("bio",), category="vetement", max_price=Decimal("30")) == ["T-shirt"]
    assert names(category="livre", min_price=Decimal("1000")) == []


def test_created_range_is_inclusive_then_exclusive(repository, catalog):
    first = repository.find_all(limit=1, sort_by="created_at", filter=EVERYTHING)[0]
    start = first.created_at
    assert repository.count(ItemFilter(created_after=start, viewer=EVERYTHING.viewer)) == 6
    assert repository.count(ItemFilter(created_before=start, viewer=EVERYTHING.viewer)) == 0
    later = ItemFilter(created_after=start + timedelta(days=1), viewer=EVERYTHING.viewer)
    assert repository.count(later) == 0


def test_visibility_follows_the_viewer(repository, catalog, owner_id):
    anonymous = ItemFilter(viewer=Viewer())
    owner = ItemFilter(viewer=Viewer(user_id=owner_id))
    repository.update(catalog["Roman"].id, {"is_active": False})
    assert repository.count(anonymous) == 4
    assert repository.count(owner) == 5  # sees its own inactive item
    assert repository.count(ItemFilter(viewer=Viewer(is_staff=True))) == 6
    assert repository.find_by_id(catalog["Casque"].id, filter=anonymous) is None
    assert repository.find_by_id(catalog["Roman"].id, filter=owner) is not None


def test_search_ranks_name_matches_first(repository, catalog):
    repository.create(_data("Support", description="Pour poser un roman ouvert", tags=()))
    rows = repository.search("roman", limit=10)
    assert [row.name for row in rows] == ["Roman", "Support"]
    assert repository.count(EVERYTHING, query="roman") == 2


def test_search_combines_with_filters_and_visibility(repository, catalog):
    assert repository.search("casque", limit=10, filter=ItemFilter(viewer=Viewer())) == []
    assert [r.name for r in repository.search("casque", limit=10, filter=EVERYTHING)] == ["Casque"]
    rows = repository.search("livre", limit=10, filter=ItemFilter(max_price=Decimal("20")))
    assert [row.name for row in rows] == ["Roman"]


def test_search_finds_exactly_the_samsung_item(repository, catalog):
    samsung = repository.create(_data("Smartphone Samsung", "899.99", "electronique"))
    assert repository.search("Samsung", limit=10) == [samsung]


@pytest.mark.parametrize("query", ["", "   ", "!!!", '"unbalanced', "' OR 1=1 --", "le la les"])
def test_search_survives_odd_queries(repository, catalog, query):
    assert isinstance(repository.search(query, limit=10), list)


@pytest.mark.parametrize("sort_by", ["name", "price", "created_at"])
@pytest.mark.parametrize("sort_order", ["asc", "desc"])
def test_cursor_walks_forward_and_back_without_gaps(repository, catalog, sort_by, sort_order):
    expected = repository.find_all(
        limit=50, sort_by=sort_by, sort_order=sort_order, filter=EVERYTHING
    )
    seen, cursor = [], None
    while True:
        page = repository.find_all(
            limit=2, sort_by=sort_by, sort_order=sort_order, cursor=cursor, filter=EVERYTHING
        )
        if not page:
            break
        seen += page
        last = page[-1]
        cursor = Cursor(last.sort_value(sort_by), last.id)
    assert seen == expected
    last = expected[-1]
    back = Cursor(last.sort_value(sort_by), last.id, reverse=True)
    before = repository.find_all(
        limit=2, sort_by=sort_by, sort_order=sort_order, cursor=back, filter=EVERYTHING
    )
    assert before == expected[-3:-1]


def test_set_active_changes_only_what_differs(repository, catalog):
    ids = [catalog["Casque"].id, catalog["Roman"].id]
    assert repository.set_active(ids=ids, is_active=True) == 1
    assert repository.set_active(ids=ids, is_active=False) == 2
    assert repository.count(ItemFilter(is_active=False, viewer=EVERYTHING.viewer)) == 2
    assert repository.set_active(ids=[], is_active=True) == 0


def test_create_many_inserts_validated_items_with_their_times(repository):
    stamps = [datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(3)]
    data = [_data(f"Article {n}", tags=(" a ", "a")) for n in range(3)]
    assert repository.create_many(data, created_at=stamps) == 3
    rows = repository.find_all(limit=10, sort_by="created_at", filter=EVERYTHING)
    assert [row.name for row in rows] == ["Article 0", "Article 1", "Article 2"]
    assert [row.created_at for row in rows] == stamps
    assert all(row.tags == ("a",) and row.created_at == row.updated_at for row in rows)


def test_create_many_refuses_a_bad_item_and_inserts_nothing(repository):
    with pytest.raises(InvalidItem):
        repository.create_many([_data("Bon"), _data("Mauvais", price="-1")])
    assert repository.count(EVERYTHING) == 0


def test_a_check_judges_the_current_record_and_may_stop_the_write(repository, catalog):
    item = catalog["Agenda"]
    judged = []
    changed = repository.update(item.id, {"price": Decimal("31.00")}, check=judged.append)
    assert judged == [item] and changed.price == Decimal("31.00")

    def refuse(record):
        raise PermissionError(record.id)

    with pytest.raises(PermissionError):
        repository.update(item.id, {"price": Decimal("1.00")}, check=refuse)
    with pytest.raises(PermissionError):
        repository.delete(item.id, check=refuse)
    assert repository.find_by_id(item.id, filter=EVERYTHING) == changed
    assert repository.delete(item.id, check=judged.append) is True
    assert judged[-1] == changed
    assert repository.update(item.id, {"price": Decimal("2")}, check=refuse) is None
    assert repository.delete(item.id, check=refuse) is False


def test_deleting_an_owner_leaves_its_items_catalog_owned_and_announced(
    repository, catalog, owner_id, django_capture_on_commit_callbacks
):
    from dataclasses import replace

    from items.models import User
    from items.signals import item_changed

    owned, others = (
        catalog["Roman"],
        repository.find_all(limit=50, sort_by="name", filter=EVERYTHING),
    )
    heard: list[frozenset] = []

    def hear(sender, item_ids, **_):
        heard.append(item_ids)

    item_changed.connect(hear, dispatch_uid="contract.owner_deleted")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            User.objects.get(pk=owner_id).delete()
    finally:
        item_changed.disconnect(dispatch_uid="contract.owner_deleted")
    assert repository.find_by_id(owned.id) == replace(owned, created_by_id=None)
    assert repository.find_all(limit=50, sort_by="name", filter=EVERYTHING) == [
        replace(item, created_by_id=None) if item.id == owned.id else item for item in others
    ]
    assert any(owned.id in ids for ids in heard)  # the cache hears of it


def test_an_owner_deletion_rolled_back_changes_nothing(
    repository, catalog, owner_id, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from items.models import User

    class Undone(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Undone),
        transaction.atomic(),
    ):
        User.objects.get(pk=owner_id).delete()
        raise Undone
    assert repository.find_by_id(catalog["Roman"].id) == catalog["Roman"]


# Escaped text: no bare <, > or &, nor the markers the backends use; entities whole.
_ESCAPED_TEXT = re.compile(r"(?:[^<>&\ue000\ue001]|&(?:amp|lt|gt|quot|#x27);)*")


def well_formed(snippet: str) -> bool:
    """Escaped text and <mark> pairs, never nested, every one closed."""
    open_mark = False
    for part in re.split(r"(</?mark>)", snippet):
        if part in ("<mark>", "</mark>"):
            if open_mark == (part == "<mark>"):
                return False
            open_mark = part == "<mark>"
        elif not _ESCAPED_TEXT.fullmatch(part):
            return False
    return not open_mark


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("Veilleuse \ue001 douce", "Une veilleuse \ue000 sans fin"),
        ("\ue000Veilleuse\ue001\ue001", "\ue001veilleuse"),
        ("Veilleuse &amp; <mark>faux</mark> &lt; <mar", "veilleuse & <b>gras</b> &#"),
        ("Veilleuse", "veilleuse <i>&eacute; & co</i> bleue. " * 12),  # cut into fragments
    ],
)
def test_highlights_are_well_formed_whatever_the_text(repository, name, description):
    item = repository.create(_data(name, description=description))
    snippet = repository.search_highlights("veilleuse", [item.id])[item.id]
    assert well_formed(snippet), snippet
    assert "<mark>" in snippet


def test_ids_walk_the_catalog_in_order_and_removal_announces(
    repository, catalog, django_capture_on_commit_callbacks
):
    from items.signals import item_changed

    every = sorted(record.id for record in catalog.values())
    assert repository.ids_after(None, limit=100) == every
    assert repository.ids_after(every[1], limit=2) == every[2:4]
    assert repository.ids_after(every[-1], limit=10) == []
    heard = []

    def hear(sender, item_ids, **_):
        heard.extend(item_ids)

    item_changed.connect(hear)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert repository.remove_records([every[0], every[2], uuid.uuid4()]) == 2
    finally:
        item_changed.disconnect(hear)
    assert set(heard) == {every[0], every[2]}
    assert repository.ids_after(None, limit=100) == [every[1], *every[3:]]
    assert repository.remove_records([]) == 0
