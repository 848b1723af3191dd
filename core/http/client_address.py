"""Who is asking: the client's address, as far as the network lets us know it.

``X-Forwarded-For`` is a header anyone can send, so by default it is ignored and the socket's
address is the client. Only when ``TRUSTED_PROXIES`` says proxies sit in front is it read, and
then from the right, where those proxies append what they saw:

- a number N: the N-th address from the right (each of the N proxies appended one);
- a list of addresses or networks: the nearest address that is none of them.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request: HttpRequest) -> str:
    """The address rate limits count the request against."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not trusted or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    if isinstance(trusted, int):
        return hops[-min(trusted, len(hops))] or remote
    networks = _networks(tuple(trusted))
    chain = [*hops, remote]
    for hop in reversed(chain):
        if not _within(hop, networks):
            return hop
    return chain[0]


@functools.lru_cache(maxsize=8)
def _networks(proxies: Sequence[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _within(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
