"""Facet counts, as both backends shape them: every category, every price band, the top tags.

Faceting is disjunctive: each facet counts over the filtered result with its own condition left
out (``items.conditions.FACET_GROUPS``), so with ``category=livre`` the category facet still
counts the other categories (under the other filters) and a client can offer them.
``assembled`` lays the counts out the same way whatever backend made them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from items import domain
from items.records import TOP_TAGS, Facets, FacetValue


def assembled(
    names: Sequence[str],
    *,
    categories: Mapping[str, int] | None = None,
    bands: Mapping[str, int] | None = None,
    tags: Iterable[tuple[str, int]] = (),
) -> Facets:
    """The facets in ``names``: every category and every price band (zero counts included),
    and the ``TOP_TAGS`` most frequent tags, most frequent first, ties by tag."""
    facets: Facets = {}
    for name in names:
        if name == "category":
            counts = categories or {}
            facets[name] = [FacetValue(c, counts.get(c, 0)) for c in domain.Category.values]
        elif name == "price":
            counts = bands or {}
            facets[name] = [FacetValue(b.key, counts.get(b.key, 0)) for b in domain.PRICE_BANDS]
        elif name == "tags":
            top = sorted(((t, n) for t, n in tags if n > 0), key=lambda tn: (-tn[1], tn[0]))
            facets[name] = [FacetValue(tag, count) for tag, count in top[:TOP_TAGS]]
        else:
            raise ValueError(f"unknown facet {name!r}")
    return facets
