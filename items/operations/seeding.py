"""A realistic, deterministic French catalog for ``seed_items``: the same seed, the same items.

Items come from a seeded generator and go through the repository's bulk insert (PostgreSQL
COPY), in batches, inside the repository's ``bulk_loading`` (on PostgreSQL one transaction,
staged for large loads). One run adds at most ``MAX_SEED_COUNT`` items: the largest load the
benchmarks measure, and a bound on one transaction; runs add up.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypedDict

from tqdm import tqdm

from items.records import ItemData
from items.repository import get_item_repository


class _Category(TypedDict):
    """What a category's items are made of: words to draw from, and a range of whole prices."""

    products: list[str]
    brands: list[str]
    traits: list[str]
    tags: list[str]
    price: tuple[int, int]


_CATALOG: dict[str, _Category] = {
    "electronique": {
        "products": [
            "Smartphone",
            "Ordinateur portable",
            "Casque audio",
            "Écran",
            "Tablette",
            "Enceinte",
            "Montre connectée",
            "Appareil photo",
            "Clavier",
            "Souris",
        ],
        "brands": ["Samsung", "Apple", "Sony", "Lenovo", "Asus", "Philips", "Xiaomi", "Bose"],
        "traits": [
            "sans fil",
            "haute définition",
            "autonomie longue durée",
            "écran OLED",
            "réduction de bruit",
            "charge rapide",
            "étanche",
            "compact",
        ],
        "tags": ["high-tech", "bluetooth", "usb-c", "wifi", "android", "audio", "gaming", "4k"],
        "price": (19, 2999),
    },
    "vetement": {
        "products": [
            "T-shirt",
            "Chemise",
            "Pull",
            "Veste",
            "Jean",
            "Robe",
            "Écharpe",
            "Manteau",
            "Chaussettes",
            "Casquette",
        ],
        "brands": ["Petit Bateau", "Armor-Lux", "Le Slip Français", "Aigle", "Saint James"],
        "traits": [
            "coton biologique",
            "laine mérinos",
            "coupe droite",
            "fabriqué en France",
            "lin lavé",
            "doublure chaude",
            "séchage rapide",
        ],
        "tags": ["bio", "coton", "laine", "été", "hiver", "homme", "femme", "enfant"],
        "price": (5, 349),
    },
    "livre": {
        "products": [
            "Roman",
            "Essai",
            "Bande dessinée",
            "Guide pratique",
            "Livre de cuisine",
            "Manuel",
            "Recueil de poèmes",
            "Biographie",
        ],
        "brands": ["Gallimard", "Flammarion", "Actes Sud", "Dargaud", "Hachette", "Larousse"],
        "traits": [
            "édition illustrée",
            "format poche",
            "grand prix littéraire",
            "préface inédite",
            "nouvelle traduction",
            "édition collector",
        ],
        "tags": ["livre", "roman", "poche", "bd", "cuisine", "histoire", "jeunesse", "science"],
        "price": (4, 89),
    },
    "autre": {
        "products": [
            "Lampe",
            "Sac à dos",
            "Gourde",
            "Carnet",
            "Stylo",
            "Plante",
            "Bougie",
            "Tapis de yoga",
            "Théière",
            "Puzzle",
        ],
        "brands": ["Maison Durable", "Atelier Lumière", "Oxford", "Le Creuset", "Opinel"],
        "traits": [
            "artisanal",
            "recyclé",
            "fait main",
            "design scandinave",
            "céramique",
            "bois massif",
            "édition limitée",
        ],
        "tags": ["maison", "bureau", "cadeau", "déco", "sport", "cuisine", "jardin", "voyage"],
        "price": (3, 499),
    },
}
_CATEGORIES = list(_CATALOG)
MAX_SEED_COUNT = 1_000_000


class SeedError(ValueError):
    """Seeding asked for something it will not do."""


def generate_items(count: int, seed: int) -> Iterator[tuple[ItemData, datetime]]:
    """``count`` items and their creation times, the same for the same ``seed``."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    step = timedelta(days=730) / max(count, 1)
    for n in range(count):
        category = rng.choice(_CATEGORIES)
        spec = _CATALOG[category]
        product, brand = rng.choice(spec["products"]), rng.choice(spec["brands"])
        traits = rng.sample(spec["traits"], 2)
        low, high = spec["price"]
        yield (
            ItemData(
                name=f"{product} {brand} {rng.randint(1, 999)}",
                price=Decimal(rng.randint(low * 100, high * 100)) / 100,
                category=category,
                description=f"{product} {brand}, {traits[0]} et {traits[1]}.",
                tags=tuple(dict.fromkeys(rng.sample(spec["tags"], rng.randint(1, 4)))),
                is_active=rng.random() > 0.05,
            ),
            start + step * n,
        )


def seed_catalog(*, count: int, seed: int, batch: int, progress: bool) -> float:
    """Insert ``count`` generated items, ``batch`` at a time; return the seconds it took.

    ``progress`` shows a bar (on a terminal). The time includes any index build at the end.
    Raises ``SeedError`` for a ``count`` out of bounds or a ``batch`` below 1.
    """
    if not 0 <= count <= MAX_SEED_COUNT:
        raise SeedError(f"--count must be between 0 and {MAX_SEED_COUNT:,} (got {count:,}).")
    if batch < 1:
        raise SeedError(f"--batch must be at least 1 (got {batch:,}).")
    repository = get_item_repository()
    items = generate_items(count, seed)
    started = time.perf_counter()
    with (
        repository.bulk_loading(count),
        tqdm(total=count, unit="item", disable=not progress) as bar,
    ):
        while chunk := list(itertools.islice(items, batch)):
            data, stamps = zip(*chunk, strict=True)
            repository.create_many(data, created_at=stamps)
            bar.update(len(chunk))
    return time.perf_counter() - started
