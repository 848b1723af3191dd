"""Search finds what people mean: a judged relevance set over a generated French catalog.

Each judgement names the item that must come first, or be in the top three, or be absent, or
says that nothing may match. The suite prints the share that passes and requires all of them.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from items.records import ItemData
from items.repository import get_item_repository

pytestmark = pytest.mark.django_db

HANDMADE = [
    ItemData(
        "Écran Dell UltraSharp 27",
        Decimal("399.00"),
        "electronique",
        "Moniteur de bureau, dalle IPS.",
        ("écran", "bureau"),
    ),
    ItemData(
        "Kit de soudure",
        Decimal("39.90"),
        "autre",
        "Outils pour l'électronique amateur.",
        ("atelier",),
    ),
    ItemData(
        "Marque-page en cuir",
        Decimal("9.90"),
        "autre",
        "Pour garder la page de vos livres préférés.",
        ("lecture",),
    ),
    ItemData(
        "Café en grains Éthiopie",
        Decimal("14.50"),
        "autre",
        "Torréfaction artisanale, notes florales.",
        ("café",),
    ),
    ItemData(
        "Platine disque",
        Decimal("249.00"),
        "electronique",
        "Pour écouter vos vinyles.",
        ("vintage", "audio"),
    ),
]

TOP1, TOP3, ABSENT, NOTHING = "first", "top 3", "absent", "nothing"
JUDGEMENTS = [
    ("galaxy", TOP1, "Smartphone Galaxy S23"),
    ("GALAXY s23", TOP1, "Smartphone Galaxy S23"),
    ("macbook", TOP1, "MacBook Pro M2"),
    ("macbok", TOP1, "MacBook Pro M2"),  # typo
    ("samsng galaxy", TOP3, "Smartphone Galaxy S23"),  # typo + word
    ("clean code", TOP1, "Clean Code"),
    ('"clean code"', TOP1, "Clean Code"),  # phrase
    ("cleen code", TOP3, "Clean Code"),  # typo
    ("casque audio premium", TOP1, "Casque Audio Premium"),
    ("casque premium", TOP1, "Casque Audio Premium"),
    ('"30 heures d\'autonomie"', TOP1, "Casque Audio Premium"),  # phrase in description
    ("ECRAN ULTRASHARP", TOP1, "Écran Dell UltraSharp 27"),  # case and accents
    ("écran ultrasharp", TOP1, "Écran Dell UltraSharp 27"),
    ("electronique amateur", TOP1, "Kit de soudure"),  # électronique, accent-free query
    ("marque-page livre", TOP1, "Marque-page en cuir"),  # livres (plural) in the text
    ("cafe ethiopie", TOP1, "Café en grains Éthiopie"),
    ("ethiopie", TOP1, "Café en grains Éthiopie"),
    ("ordinateur apple", TOP3, "MacBook Pro M2"),  # the noise sells "Ordinateur ... Apple" too
    ("robert martin", TOP1, "Clean Code"),  # description only
    ("programmation", TOP1, "Clean Code"),  # tag only
    ("vintage", TOP1, "Platine disque"),  # tag only
    ("retina", TOP1, "MacBook Pro M2"),
    ("mémoire 16 go", TOP1, "MacBook Pro M2"),
    ("ultrasharp or macbook", TOP3, "Écran Dell UltraSharp 27"),
    ("ultrasharp or macbook", TOP3, "MacBook Pro M2"),
    ("smartphone -galaxy", ABSENT, "Smartphone Galaxy S23"),  # exclusion
    ("t-shirt bio coton", TOP3, "T-shirt Bio Coton"),
    ("xyzzyq", NOTHING, None),
    ("le la les", NOTHING, None),  # stop words only
    ("zzzz qqqq", NOTHING, None),
]


@pytest.fixture
def catalog():
    call_command("loaddata", "items", verbosity=0)
    call_command("seed_items", "--count", "400", "--seed", "11", verbosity=0)
    repository = get_item_repository()
    for data in HANDMADE:
        repository.create(data)
    return repository


def _verdict(names: list[str], expectation: str, expected: str | None) -> bool:
    if expectation == TOP1:
        return names[:1] == [expected]
    if expectation == TOP3:
        return expected in names[:3]
    if expectation == ABSENT:
        return bool(names) and expected not in names
    return names == []


def test_judged_queries_all_pass(catalog, capsys):
    failures = []
    for query, expectation, expected in JUDGEMENTS:
        names = [record.name for record in catalog.search(query, limit=50)]
        if not _verdict(names, expectation, expected):
            failures.append(f"{query!r}: wanted {expected!r} {expectation}, got {names[:5]}")
    passed = len(JUDGEMENTS) - len(failures)
    with capsys.disabled():
        print(
            f"\nsearch relevance: {passed}/{len(JUDGEMENTS)} judged queries pass "
            f"({passed / len(JUDGEMENTS):.0%})"
        )
    assert failures == [], "\n".join(failures)


def test_highlight_marks_the_matched_words_and_escapes_html(catalog, anon_client):
    catalog.create(
        ItemData("Veilleuse R&D", Decimal("20"), "autre", "<script>alert(1)</script> douce", ())
    )
    body = anon_client.get("/api/items/search/", {"q": "veilleuse", "highlight": "1"}).json()
    snippet = body["results"][0]["highlight"]
    assert "<mark>Veilleuse</mark>" in snippet
    assert "R&amp;D" in snippet
    assert "<script>" not in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    plain = anon_client.get("/api/items/search/", {"q": "veilleuse"}).json()
    assert plain["results"][0]["highlight"] is None


def test_search_combines_with_filters_and_pages(catalog, anon_client):
    # (It searched "casque": no headphones cost under 100, and the old trigram fallback
    # passed it by returning caps, "casquettes", instead.)
    everything = anon_client.get("/api/items/search/", {"q": "cuisine", "page_size": 100}).json()
    cheap = anon_client.get(
        "/api/items/search/", {"q": "cuisine", "max_price": "100", "page_size": 100}
    ).json()
    assert 0 < cheap["count"] < everything["count"]
    assert all(Decimal(item["price"]) <= 100 for item in cheap["results"])
    first = anon_client.get("/api/items/search/", {"q": "cuisine", "page_size": 5}).json()
    second = anon_client.get(first["next"]).json()
    ranked = [item["id"] for item in everything["results"]]
    assert [i["id"] for i in first["results"] + second["results"]] == ranked[:10]


def test_typo_fallback_only_when_exact_words_find_little(catalog):
    exact = [r.name for r in catalog.search("casque", limit=500)]
    assert all("casque" in name.lower() or "Casque" in name for name in exact[:20])
    assert catalog.count(query="macbok") >= 1
