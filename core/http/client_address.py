"""Who is asking: the client's address, as far as the network lets us know it.

``X-Forwarded-For`` is a header anyone can send, so by default it is ignored and the socket's
address is the client. Only when ``TRUSTED_PROXIES`` says proxies sit in front is it read, and
then from the right, where those proxies append what they saw:

- a number N: the N-th address from the right (each of the N proxies appended one);
- a list of addresses or networks: the nearest address that is none of them.

A request carrying ``X-Forwarded-For`` from a loopback or private address while no proxy is
trusted is most likely a proxy of our own that nobody declared: then every client behind it
shares its rate. That is said once per process, in the log and in ``/ready/``'s details
(``untrusted_proxy``), until ``TRUSTED_PROXIES`` is set.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
from collections.abc import Sequence

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
logger = logging.getLogger("catalog.client_address")
_untrusted_proxy: str | None = None  # the first such proxy's address, once seen


def client_address(request: HttpRequest) -> str:
    """The address rate limits count the request against."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not trusted or not forwarded:
        if forwarded and _untrusted_proxy is None:
            _notice_untrusted_proxy(remote)
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


def untrusted_proxy_warning() -> str | None:
    """What ``/ready/`` says while requests seem to come through a proxy nobody trusts."""
    if _untrusted_proxy is None or settings.TRUSTED_PROXIES:
        return None
    return (
        f"Requests from {_untrusted_proxy} carry X-Forwarded-For, but TRUSTED_PROXIES is "
        "unset: every client behind that proxy shares its rate limit. If it is your proxy, "
        "set TRUSTED_PROXIES."
    )


def _notice_untrusted_proxy(remote: str) -> None:
    global _untrusted_proxy
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return
    if address.is_loopback or address.is_private:
        _untrusted_proxy = remote
        logger.warning(untrusted_proxy_warning())
