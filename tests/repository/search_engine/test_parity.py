"""The engine finds exactly what PostgreSQL finds: random queries x viewers x filters.

Queries are made from the catalog's own text (words, phrases of adjacent words, a phrase running
from an item's name into its description, words of hyphenated compounds, stop words inside
phrases, accents and case changed), combined with ``or`` and ``-`` as people type them. For
each, with a random viewer and random filters, the engine's match set and total must equal
PostgreSQL's own answer (``search_document @@ websearch_to_tsquery``) under the clauses of
``items.conditions``, whose Python meaning (``admits``) must agree too. Data is committed and
the engine must have answered every search.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from items.conditions import admits, as_q, clauses
from items.models import Item
from items.records import ItemData, ItemFilter, Viewer
from items.repository import get_item_repository, search_engine
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 160
HANDMADE = [
    ItemData(
        "T-shirt bio coton", Decimal("19"), "vetement", "Coton biologique, col rond.", ("été",)
    ),
    ItemData("Marque-page en cuir", Decimal("9.90"), "autre", "Pour vos livres préférés.", ()),
    ItemData(
        "Casque Audio Premium",
        Decimal("199"),
        "electronique",
        "Casque sans fil, 30 heures d'autonomie, réduction de bruit.",
        ("audio", "bluetooth"),
    ),
    ItemData(
        "Clean Code", Decimal("35"), "livre", "Robert Martin, code propre.", ("programmation",)
    ),
]
WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _phrase(rng: random.Random, item: Item) -> str:
    words = WORD.findall(f"{item.name} {item.description}")
    if len(words) < 2:
        return words[0] if words else "casque"
    start = rng.randrange(len(words) - 1)
    return f'"{" ".join(words[start : start + rng.choice([2, 2, 3, 4])])}"'


def _term(rng: random.Random, items: list[Item]) -> str:
    item = rng.choice(items)
    kind = rng.random()
    if kind < 0.3:
        return _phrase(rng, item)
    if kind < 0.4:  # from the end of the name into the description
        name, description = WORD.findall(item.name), WORD.findall(item.description)
        if name and description:
            return f'"{name[-1]} {description[0]}"'
    words = WORD.findall(f"{item.name} {item.description} {' '.join(item.tags)}") or ["lampe"]
    word = rng.choice(words)
    return rng.choice([word, word.lower(), word.upper(), _plain(word)])


def _query(rng: random.Random, items: list[Item], hidden: list[Item]) -> str:
    parts = []
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        # Now and then from the hidden items: who sees them is what the clauses decide.
        term = _term(rng, hidden if rng.random() < 0.3 else items)
        shape = rng.random()
        parts += (
            [f"-{term}"] if shape < 0.15 else ["or", term] if shape < 0.25 and parts else [term]
        )
    return " ".join(parts)


def _filter(rng: random.Random, viewers: list[Viewer], tags: list[str]) -> ItemFilter:
    """A viewer, and each filter now and then (all at once would rarely leave anything)."""
    now = timezone.now()
    choices = {
        "category": ["livre", "vetement", "electronique", "autre"],
        "is_active": [True, False],
        "min_price": [Decimal("10"), Decimal("49.99")],
        "max_price": [Decimal("100"), Decimal("500.50")],
        "tags": [tuple(rng.sample(tags, 1)), tuple(rng.sample(tags, 3))],
        "created_after": [now - timedelta(days=200)],
        "created_before": [now - timedelta(days=30)],
    }
    chosen = {name: rng.choice(values) for name, values in choices.items() if rng.random() < 0.2}
    return ItemFilter(viewer=rng.choice(viewers), tags_match=rng.choice(["any", "all"]), **chosen)


@pytest.fixture
def catalog(user):
    call_command("seed_items", "--count", "300", "--seed", "3", verbosity=0)
    repository = get_item_repository()
    for data in HANDMADE:
        repository.create(data)
    hidden = list(Item.objects.order_by("id").values_list("id", flat=True)[:40])
    Item.objects.filter(id__in=hidden[:20]).update(is_active=False)
    Item.objects.filter(id__in=hidden[10:40]).update(created_by=user)
    return list(Item.objects.all()), list(Item.objects.filter(id__in=hidden))


def _postgres(text: str, filter: ItemFilter) -> set:
    query = SearchQuery(text, search_type="websearch", config="public.catalog_fr")
    rows = Item.objects.filter(as_q(clauses(filter)), search_document=query)
    return set(rows.values_list("id", flat=True))


def _parsed(text: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_engine.parsed(%s)", [text])
        return cursor.fetchone()[0]


def _covered(text: str, filter: ItemFilter, expected: set, hidden: set) -> set[str]:
    """What this query exercised, of what the test must exercise at least once."""
    if not expected:
        return set()
    parsed = _parsed(text)
    found = {"found"}
    if re.search(r"<[2-9]>", parsed):
        found.add("a phrase over a stop word")
    if "!" in parsed:
        found.add("an exclusion")
    if "|" in parsed:
        found.add("an alternative")
    if expected & hidden and not filter.viewer.is_staff:
        found.add("an owner's hidden item")
    return found


def test_the_engine_finds_what_postgresql_finds(catalog, user, index, counted):
    items, hidden = catalog
    index.sync()
    viewers = [Viewer(), Viewer(user_id=user.pk), Viewer(user_id=UserFactory().pk, is_staff=True)]
    tags = sorted({tag for item in items for tag in item.tags})
    hidden_ids = {item.id for item in hidden if not item.is_active}
    records = {
        item.id: item
        for item in get_item_repository().find_all(
            limit=10_000, filter=ItemFilter(viewer=viewers[2])
        )
    }
    rng = random.Random(30)
    mismatches, covered = [], Counter()
    for _ in range(ROUNDS):
        text, filter = _query(rng, items, hidden), _filter(rng, viewers, tags)
        expected = _postgres(text, filter)
        text_only = _postgres(text, ItemFilter(viewer=viewers[2]))
        assert expected == {i for i in text_only if admits(clauses(filter), records[i])}
        found = search_engine.window(text, filter=filter, limit=1000, offset=0)
        assert found is not None, f"the engine did not answer {text!r}: {counted.fallbacks()}"
        records_found, total = found
        if {r.id for r in records_found} != expected or total != len(expected):
            mismatches.append(f"{text!r} {filter}: engine {total}, postgres {len(expected)}")
        covered.update(_covered(text, filter, expected, hidden_ids))
    assert mismatches == []
    assert counted.engine() == ROUNDS and not counted.fallbacks()
    assert covered["found"] >= ROUNDS // 3, covered
    wanted = [
        "a phrase over a stop word",
        "an exclusion",
        "an alternative",
        "an owner's hidden item",
    ]
    assert all(covered[kind] >= 3 for kind in wanted), covered
