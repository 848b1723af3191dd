"""An error that echoes a header echoes what the client wrote (issue 29, item 5): a real WSGI
server hands header bytes over as ISO-8859-1, so UTF-8 text must be read back as UTF-8, not
shown as mojibake. Sent over a socket to the live server, as a client sends them."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)
FULL_WIDTH = "\uff11\uff16/B374D848"  # full-width digits: a phone keyboard, a copied text


def sent_raw(live_server, method: str, path: str, headers: dict[str, bytes], body=b"") -> dict:
    """The JSON body of the response to a request whose header values are these bytes."""
    address = urlsplit(live_server.url)
    conn = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    conn.putrequest(method, path)
    for name, value in {"Accept": b"application/json", **headers}.items():
        conn.putheader(name, value)
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = conn.getresponse()
    payload = json.loads(response.read())
    conn.close()
    return {"status": response.status, **payload}


def test_a_full_width_position_is_echoed_as_written(live_server):
    answer = sent_raw(
        live_server, "GET", "/api/items/", {"X-Catalog-Position": FULL_WIDTH.encode()}
    )
    assert answer["status"] == 400
    [error] = answer["errors"]
    assert error["attr"] == "X-Catalog-Position"
    assert f"not {FULL_WIDTH!r}." in error["detail"], error["detail"]


def test_bytes_that_are_not_utf8_are_echoed_as_latin1_reads_them(live_server):
    answer = sent_raw(live_server, "GET", "/api/items/", {"X-Catalog-Position": b"caf\xe9"})
    assert "not 'café'." in answer["errors"][0]["detail"]


def test_an_unsupported_content_type_is_echoed_as_written(live_server, staff):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=staff).key
    media_type = "application/\uff4a\uff53\uff4f\uff4e"  # full-width "json"
    answer = sent_raw(
        live_server,
        "POST",
        "/api/items/",
        {"Content-Type": media_type.encode(), "Authorization": f"Token {token}".encode()},
        body=b"{}",
    )
    assert answer["status"] == 415
    assert answer["errors"][0]["detail"] == f'Unsupported media type "{media_type}" in request.'
