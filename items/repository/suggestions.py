"""Suggestions as both backends give them: vocabulary words and item names, merged.

Words come first, most frequent first, and take at most half the places while names can fill
the rest; whichever runs short leaves its places to the other. A word spelt as a suggested name
(accents and case aside) is given once, as the name.
"""

from __future__ import annotations

from collections.abc import Sequence

from items import domain
from items.records import Suggestion


def merged(*, words: Sequence[str], names: Sequence[str], limit: int) -> list[Suggestion]:
    """Up to ``limit`` suggestions from ``words`` (best first) and ``names`` (in order)."""
    named = {domain.fold(name) for name in names[:limit]}
    words = [word for word in words if domain.fold(word) not in named]
    word_places = max(limit // 2, limit - len(names))
    chosen_words = list(words[:word_places])
    chosen_names = list(names[: limit - len(chosen_words)])
    return [Suggestion(word, "word") for word in chosen_words] + [
        Suggestion(name, "name") for name in chosen_names
    ]
