"""The stale-read stress test as separate processes: one writer, readers on every server.

Each reader notes how many writes had returned before it asked; a value older than that is a
stale read. Readers are anonymous (the response cache serves them) and read the written item,
the list and a search, on every server given, so a write on one server is checked on the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from tests.support.served import request

# A stress test is many requests a second from one address: no rate limit may refuse them.
UNTHROTTLED = {"THROTTLE_ANON_RATE": "1000000/min", "THROTTLE_USER_RATE": "1000000/min"}


@dataclass
class StressResult:
    """What the readers saw."""

    writes: int = 0
    reads: int = 0
    stale: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def run_stress(
    writer_port: int,
    reader_ports: list[int],
    token: str,
    item_path: str,
    writes: int,
    during: Callable[[int], None] | None = None,
) -> StressResult:
    """``writes`` PATCHes of the item's price (1, 2, ...) on ``writer_port``, while readers on
    each of ``reader_ports`` check every value they get; ``during(n)`` runs after write n."""
    result, returned, stop = StressResult(), [0], threading.Event()

    def writer() -> None:
        try:
            for n in range(1, writes + 1):
                status, _ = request(
                    writer_port,
                    "PATCH",
                    item_path,
                    {"price": f"{n}.00"},
                    {"Authorization": f"Token {token}"},
                )
                if status != 200:
                    result.errors.append(("PATCH", status))
                returned[0] = n
                if during is not None:
                    during(n)
        finally:
            stop.set()

    def reader(port: int, path: str, price_of: Callable[[dict], str]) -> None:
        while not stop.is_set():
            floor = returned[0]
            try:
                status, body = request(port, "GET", path)
            except OSError as error:
                result.errors.append((path, str(error)))
                continue
            if status != 200:
                result.errors.append((path, status))
                continue
            result.reads += 1
            seen = int(Decimal(price_of(body)))
            if seen < floor:
                result.stale.append((port, path, seen, floor))

    plan = [
        (item_path, lambda body: body["price"]),
        ("/api/items/", lambda body: body["results"][0]["price"]),
        ("/api/items/search/?q=compteur", lambda body: body["results"][0]["price"]),
    ]
    threads = [threading.Thread(target=writer)]
    threads += [
        threading.Thread(target=reader, args=(port, path, price_of))
        for port in reader_ports
        for path, price_of in plan
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    result.writes = returned[0]
    return result
