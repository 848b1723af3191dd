"""Search finds what people mean: a judged relevance set over a generated French catalog.

Each judgement names the item that must come first, or be in the top three, or be absent, or
says that nothing may match. The suite prints the share that passes and requires all of them.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from items.records import ItemData, ItemFilter
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
    ItemData(
        "Casque Bose QuietComfort",
        Decimal("349.00"),
        "electronique",
        "Casque sans fil, réduction de bruit adaptative.",
        ("audio",),
    ),
    ItemData(
        "Gourde isotherme Inox",
        Decimal("15.00"),
        "autre",
        "Garde l'eau fraîche 24 heures.",
        ("voyage",),
    ),
    # "romand" is a real word of the catalog, rare, one letter from the common "roman".
    ItemData("Gruyère romand", Decimal("12.00"), "autre", "Fromage à pâte dure, 12 mois.", ()),
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
    # Misspelt words are corrected against the catalog's vocabulary, and the query keeps its
    # meaning: exclusions, phrases, "or" and filters apply to the corrected words.
    ("casqe quietconfort", TOP1, "Casque Bose QuietComfort"),  # two typos in one query
    ("samsng galaxi", TOP1, "Smartphone Galaxy S23"),  # two typos
    ("casqe -quietcomfort", ABSENT, "Casque Bose QuietComfort"),  # typo + exclusion
    ("casque -bluetoth", ABSENT, "Casque Audio Premium"),  # a misspelt exclusion still excludes
    ("macbok -apple", NOTHING, None),  # the old fallback returned the MacBook here
    ('"code propr"', TOP1, "Clean Code"),  # typo inside a phrase
    ('"réduction de brui" -quietcomfort', ABSENT, "Casque Bose QuietComfort"),  # phrase + excl.
    ("ultrasharp or macbok", TOP3, "MacBook Pro M2"),  # typo + or
    ("gourd inox", TOP1, "Gourde isotherme Inox", ItemFilter(category="autre")),  # + filter
    ("gourd", ABSENT, "Gourde isotherme Inox", ItemFilter(min_price=Decimal("100"))),
    ("macbok 16 go", TOP1, "MacBook Pro M2"),  # numbers and units stay as written
    ("macbook 64 go", NOTHING, None),  # 64 is not "corrected" into 16
    ("galaxy s24", NOTHING, None),  # nor a model number into another
    ("autonomie 30 heurs", TOP1, "Casque Audio Premium"),  # typo next to a quantity
    ("cafe etiopie", TOP1, "Café en grains Éthiopie"),  # accents + typo
    ("ÉCRNA dell", TOP1, "Écran Dell UltraSharp 27"),  # case, accents, swapped letters
    ("marque-pages livers", TOP1, "Marque-page en cuir"),  # plurals + typo
    ("vinyl", TOP1, "Platine disque"),  # singular for the text's plural
    ("romand", TOP1, "Gruyère romand"),  # a rare real word is not "corrected" to roman
    ("roman", ABSENT, "Gruyère romand"),
    ("le macbok", TOP1, "MacBook Pro M2"),  # stop word + typo
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
    for query, expectation, expected, *conditions in JUDGEMENTS:
        found = catalog.search(
            query, limit=50, filter=conditions[0] if conditions else ItemFilter()
        )
        names = [record.name for record in found]
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
