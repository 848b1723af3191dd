"""Search snippets as HTML: the text escaped, the matches in ``<mark>``, always well-formed.

Both backends mark matches with two private-use characters, then turn them into tags here, after
escaping the text around them. The characters are first taken out of the item's own text, so an
item cannot mark anything itself; and a start is always paired with a stop, so a snippet never
leaves a ``<mark>`` open, closes one it did not open, or nests them. Nothing is cut after
escaping, so no tag or entity is ever split. Suggestions mark the typed prefix the same way.
"""

from __future__ import annotations

import html
import re

from items import domain

MARK_START, MARK_STOP = "\ue000", "\ue001"
_MARKERS = re.compile(f"([{MARK_START}{MARK_STOP}])")


def without_markers(text: str) -> str:
    """``text`` with the marker characters taken out (an item's own text, before marking)."""
    return text.replace(MARK_START, "").replace(MARK_STOP, "")


def marked_html(text: str) -> str:
    """``text`` (matches between ``MARK_START`` and ``MARK_STOP``) as escaped HTML."""
    parts, open_mark = [], False
    for part in _MARKERS.split(text):
        if part == MARK_START:
            if not open_mark:
                parts.append("<mark>")
            open_mark = True
        elif part == MARK_STOP:
            if open_mark:
                parts.append("</mark>")
            open_mark = False
        else:
            parts.append(html.escape(part))
    if open_mark:
        parts.append("</mark>")
    return "".join(parts)


def marked_prefix(text: str, prefix: str) -> str:
    """``text`` as escaped HTML, its start that spells ``prefix`` (accents and case aside) in
    ``<mark>``: ``marked_prefix("Électronique", "elec")`` is ``<mark>Élec</mark>tronique``."""
    text, wanted = without_markers(text), domain.fold(prefix)
    if wanted:
        for end in range(1, len(text) + 1):
            start = domain.fold(text[:end])
            if len(start) >= len(wanted):
                if start.startswith(wanted):
                    return marked_html(f"{MARK_START}{text[:end]}{MARK_STOP}{text[end:]}")
                break
    return html.escape(text)
