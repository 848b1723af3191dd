"""A token revoked by one process is refused by every app server on its very next request, even
by servers that were answering its holder from Redis a moment before."""

from __future__ import annotations

import pytest

from tests.support.served import Gunicorn, exchange

pytestmark = pytest.mark.django_db

TOKEN_AND_ITEM = (
    "from rest_framework.authtoken.models import Token; from items.models import User, Item; "
    "u = User.objects.create(username='reader'); "
    "i = Item.objects.create(name='Lampe', price='10.00', category='autre'); "
    "print(Token.objects.create(user=u).key, i.pk)"
)
REVOKE = {
    "token deleted": "from rest_framework.authtoken.models import Token; "
    "Token.objects.all().delete()",
    "user deactivated": "from items.models import User; "
    "u = User.objects.get(username='reader'); u.is_active = False; u.save()",
}


def _read(server: Gunicorn, path: str, token: str) -> tuple[int, str]:
    status, headers, _ = exchange(
        server.port, "GET", path, None, {"Authorization": f"Token {token}"}
    )
    return status, headers.get("Server-Timing", "")


@pytest.mark.parametrize("revocation", REVOKE)
def test_a_revocation_reaches_every_server_at_once(revocation, scratch):
    scratch.manage("migrate", "--noinput")
    token, item_id = scratch.manage("shell", "--no-imports", "-c", TOKEN_AND_ITEM).stdout.split()
    path = f"/api/items/{item_id}/"
    servers = [Gunicorn(scratch.env, threads=2), Gunicorn(scratch.env, threads=2)]
    try:
        for server in servers:
            assert _read(server, path, token)[0] == 200
            status, timing = _read(server, path, token)
            assert status == 200 and '"0 queries"' in timing  # answered from Redis alone
        scratch.manage("shell", "--no-imports", "-c", REVOKE[revocation])
        assert [_read(server, path, token)[0] for server in servers] == [401, 401]
    finally:
        for server in servers:
            server.stop()
