"""A request header's text as the client wrote it, for a message that echoes it back.

WSGI hands every header over as a ``str`` made from its bytes read as ISO-8859-1 (PEP 3333;
Django's ASGI handler does the same), whatever the client meant. Clients that send anything
beyond ASCII send UTF-8 (browsers, curl, every HTTP library's default), so full-width digits
arrive as three Latin-1 characters each: echoed as they arrive, a message shows mojibake. Read
back as UTF-8, it shows what was sent; bytes that are not UTF-8 stay as ISO-8859-1 read them.
"""

from __future__ import annotations


def header_text(raw: str) -> str:
    """``raw``, a header value from ``request.META``, as the text its client sent."""
    try:
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeError:  # not from a WSGI server's bytes, or not UTF-8: as it is
        return raw
