"""The item rules shared by every path in: categories, bounds, prices and input normalisation.

Model constraints, serializers, the admin form and the MongoDB validator all read these,
so a rule lives in one place.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models

from items.records import WRITABLE_FIELDS, InvalidItem

NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 500
TAG_MAX_LENGTH = 50
TAGS_MAX_COUNT = 20
PRICE_MAX_DIGITS = 10
PRICE_DECIMAL_PLACES = 2
PRICE_MIN = Decimal("0")
PRICE_WHOLE_DIGITS = PRICE_MAX_DIGITS - PRICE_DECIMAL_PLACES
# The one way to write a price as text: ASCII digits only (not "1e2", "5_0", ".5" or full-width
# digits, all of which Python's Decimal would take), at most 8 before the point and 2 after.
# The OpenAPI schema publishes this very pattern.
PRICE_PATTERN = rf"^[0-9]{{1,{PRICE_WHOLE_DIGITS}}}(\.[0-9]{{1,{PRICE_DECIMAL_PLACES}}})?$"
PRICE_FORMAT_MESSAGE = (
    'Enter the price as a number, or as text of digits 0-9 such as "12.50" '
    f"(at most {PRICE_WHOLE_DIGITS} before the point and {PRICE_DECIMAL_PLACES} after)."
)
PRICE_MIN_MESSAGE = f"Ensure this value is greater than or equal to {PRICE_MIN}."
PRICE_DIGITS_MESSAGE = (
    f"Ensure the price has at most {PRICE_WHOLE_DIGITS} digits before and "
    f"{PRICE_DECIMAL_PLACES} after the point."
)
_PRICE_TEXT = re.compile(PRICE_PATTERN)


class Category(models.TextChoices):
    """The closed set of item categories."""

    ELECTRONIQUE = "electronique", "Électronique"
    VETEMENT = "vetement", "Vêtement"
    LIVRE = "livre", "Livre"
    AUTRE = "autre", "Autre"


@dataclass(frozen=True, slots=True)
class PriceBand:
    """A fixed price range for facet counts and the admin's filter: ``low <= price < high``."""

    key: str
    label: str
    low: Decimal
    high: Decimal | None  # None: no upper bound


# The price facet's ranges, fixed (README and the OpenAPI schema list them): every price falls
# in exactly one.
PRICE_BANDS: tuple[PriceBand, ...] = (
    PriceBand("0-50", "under 50", Decimal("0"), Decimal("50")),
    PriceBand("50-200", "50 to 200", Decimal("50"), Decimal("200")),
    PriceBand("200-1000", "200 to 1,000", Decimal("200"), Decimal("1000")),
    PriceBand("1000+", "1,000 and over", Decimal("1000"), None),
)

# Letters that unaccenting spells as two (PostgreSQL's unaccent rules do the same).
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})


def fold(text: str) -> str:
    """``text`` lower-cased with its accents off: how suggestions compare a prefix to names."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise_text(value: str) -> str:
    """Unicode NFC, surrounding white space trimmed."""
    return unicodedata.normalize("NFC", value).strip()


def normalise_tags(tags: Iterable[str]) -> list[str]:
    """Tags trimmed and NFC-normalised, blanks dropped, duplicates removed in first-seen order."""
    seen: dict[str, None] = {}
    for tag in tags:
        clean = normalise_text(tag)
        if clean:
            seen.setdefault(clean, None)
    return list(seen)


def parse_price(value: object) -> Decimal:
    """A price as given: a number (a JSON number, or a finite Decimal) or text matching
    ``PRICE_PATTERN``; ``ValueError`` saying why for anything else. Its bounds are checked with
    the other rules (``validate_item_fields``)."""
    if isinstance(value, str):
        if _PRICE_TEXT.fullmatch(value):
            return Decimal(value)
        if value.startswith("-") and _PRICE_TEXT.fullmatch(value[1:]):
            raise ValueError(PRICE_MIN_MESSAGE)  # well spelt, but below the minimum
    elif isinstance(value, Decimal) and value.is_finite():
        return value.copy_abs() if value.is_zero() else value  # never a price of "-0.00"
    elif isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    elif isinstance(value, float) and math.isfinite(value):
        # The shortest decimal that reads back as this float; -0.0 is 0.
        return Decimal(repr(value + 0.0))
    raise ValueError(PRICE_FORMAT_MESSAGE)


def validate_item_fields(values: dict) -> dict[str, list[str]]:
    """Check normalised item values against the rules; return the errors by field."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if "name" in values:
        if not values["name"]:
            fail("name", "This field may not be blank.")
        elif len(values["name"]) > NAME_MAX_LENGTH:
            fail("name", f"Ensure this field has no more than {NAME_MAX_LENGTH} characters.")
    if "description" in values and len(values["description"]) > DESCRIPTION_MAX_LENGTH:
        fail(
            "description",
            f"Ensure this field has no more than {DESCRIPTION_MAX_LENGTH} characters.",
        )
    if "price" in values:
        price = values["price"]
        if not isinstance(price, Decimal) or not price.is_finite():
            fail("price", "A valid number is required.")
        elif price < PRICE_MIN:
            fail("price", PRICE_MIN_MESSAGE)
        elif (  # the size first: quantizing a huge number would overflow the context
            price >= Decimal(10) ** PRICE_WHOLE_DIGITS
            or price != price.quantize(Decimal(1).scaleb(-PRICE_DECIMAL_PLACES))
        ):
            fail("price", PRICE_DIGITS_MESSAGE)
    if "category" in values and values["category"] not in Category.values:
        fail("category", f'"{values["category"]}" is not a valid choice.')
    if "tags" in values:
        tags = values["tags"]
        if len(tags) > TAGS_MAX_COUNT:
            fail("tags", f"Ensure this field has no more than {TAGS_MAX_COUNT} elements.")
        if any(len(tag) > TAG_MAX_LENGTH for tag in tags):
            fail("tags", f"Ensure each tag has no more than {TAG_MAX_LENGTH} characters.")
    return errors


def clean_item_fields(values: dict) -> dict:
    """Normalise the text fields present in ``values`` (a copy); leave the others alone."""
    clean = dict(values)
    for name in ("name", "description"):
        if isinstance(clean.get(name), str):
            clean[name] = normalise_text(clean[name])
    if "tags" in clean and clean["tags"] is not None:
        clean["tags"] = normalise_tags(clean["tags"])
    return clean


def checked_values(values: Mapping[str, Any], *, change: bool = False) -> dict:
    """``values`` normalised, or ``InvalidItem`` naming each field at fault.

    With ``change``, they are a change to an item: fields that cannot be written are refused.
    """
    if change:
        unknown = set(values) - set(WRITABLE_FIELDS)
        if unknown:
            raise InvalidItem({name: ["This field cannot be changed."] for name in sorted(unknown)})
    clean = clean_item_fields(dict(values))
    errors = validate_item_fields(clean)
    if errors:
        raise InvalidItem(errors)
    return clean
