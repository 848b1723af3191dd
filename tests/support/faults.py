"""A write+read load for fault tests, counting stale reads, lost writes and every 5xx.

One writer PATCHes a tracked item's price (1, 2, ...) as a staff token; readers read it
anonymously (the response cache serves them), with the writer's token (read-your-writes), and
in the list, timing each request. A *stale read* returns a price older than a write that had
returned 2xx before the read started; a *lost write* is a write answered 2xx whose price the
primary's history of the item (``items_historicalitem``, written by its triggers) lacks. Every
5xx is kept with its ``Retry-After``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from tests.support.served import exchange, parsed

SETUP = (
    "from rest_framework.authtoken.models import Token; from items.models import User, Item; "
    "u = User.objects.create(username='writer', is_staff=True); "
    "i = Item.objects.create(name='Compteur', price='0.00', category='autre'); "
    "print(Token.objects.create(user=u).key, i.pk)"
)


@dataclass
class Answer:
    """One request's outcome."""

    started: float  # monotonic
    took: float
    kind: str  # write, anonymous, signed_in, list
    status: int
    retry_after: str | None = None


@dataclass
class FaultLoad:
    """The load on one server (``port``) against the item ``item_id``, until ``stop()``."""

    port: int
    token: str
    item_id: str
    pause: float = 0.01
    acknowledged: list[int] = field(default_factory=list)
    stale: list[tuple] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    _returned: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    @property
    def item_path(self) -> str:
        return f"/api/items/{self.item_id}/"

    def _ask(self, kind: str, method: str, path: str, body=None, headers=None):
        started = time.monotonic()
        try:
            status, sent, payload = exchange(self.port, method, path, body, headers)
        except OSError:
            status, sent, payload = 0, {}, b""
        answer = Answer(started, time.monotonic() - started, kind, status, sent.get("Retry-After"))
        self.answers.append(answer)
        return status, parsed(payload)

    def _write(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            signed = {"Authorization": f"Token {self.token}"}
            status, _ = self._ask("write", "PATCH", self.item_path, {"price": f"{n}.00"}, signed)
            if 200 <= status < 300:
                self.acknowledged.append(n)
                self._returned = n
            time.sleep(self.pause)

    def _read(self, kind: str) -> None:
        path = "/api/items/" if kind == "list" else self.item_path
        headers = {"Authorization": f"Token {self.token}"} if kind == "signed_in" else None
        while not self._stop.is_set():
            floor = self._returned
            status, body = self._ask(kind, "GET", path, headers=headers)
            if status == 200 and isinstance(body, dict):
                price = body["results"][0]["price"] if kind == "list" else body["price"]
                if int(Decimal(price)) < floor:
                    self.stale.append((kind, int(Decimal(price)), floor))
            time.sleep(self.pause)

    def start(self) -> FaultLoad:
        self._threads = [threading.Thread(target=self._write, daemon=True)] + [
            threading.Thread(target=self._read, args=(kind,), daemon=True)
            for kind in ("anonymous", "signed_in", "list")
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> FaultLoad:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
        return self

    def statuses(self, since: float = float("-inf"), until: float = float("inf")) -> Counter:
        return Counter(a.status for a in self.answers if since <= a.started < until)

    def server_errors(self) -> list[Answer]:
        return [answer for answer in self.answers if answer.status >= 500 or answer.status == 0]

    def slowest_read(self, since: float, until: float) -> float:
        return max(
            (a.took for a in self.answers if a.kind != "write" and since <= a.started < until),
            default=0.0,
        )

    def lost_writes(self, scratch) -> list[int]:
        """Acknowledged prices the primary's history of the item lacks."""
        rows = scratch.query(
            f"SELECT DISTINCT price FROM items_historicalitem WHERE id = '{self.item_id}'"
        )
        kept = {int(price) for (price,) in rows}
        return [n for n in self.acknowledged if n not in kept]

    def summary(self) -> str:
        writes = [a for a in self.answers if a.kind == "write"]
        return (
            f"{len(writes)} writes ({len(self.acknowledged)} acknowledged), "
            f"{len(self.answers) - len(writes)} reads, {len(self.stale)} stale, "
            f"statuses {dict(self.statuses())}"
        )
