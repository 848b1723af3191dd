"""The read-heavy mix of the replica benchmark: several clients, each a thread of HTTP requests.

Each request is, at random: a PATCH of an item's price (``WRITE_SHARE``, 5%), the detail of an
item chosen with a skewed popularity (Zipf), a list page with varied filters, orderings and
pages, or a search. Every fourth write also changes the description, so that searches, which
read it, have changes of their own to get past.

Each client writes only its own share of the items (no two writes of one item are in flight at
once), and the prices written grow with every write: a read is **stale** when it shows an item
with a price lower than one whose write had already returned, to any client, before the read
was sent; a **read-your-writes** violation is a stale read of the reader's own write.
"""

from __future__ import annotations

import bisect
import http.client
import itertools
import json
import random
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

WRITE_SHARE = 0.05
DETAIL_SHARE = 0.50  # of all requests; lists and searches share the rest
LIST_SHARE = 0.25
ZIPF_S = 1.1
CATEGORIES = ("", "electronique", "vetement", "livre", "autre")
ORDERINGS = ("-created_at", "price", "-price", "name", "-updated_at")
SEARCHES = ("casque", "roman", "lampe", "chemise", '"format poche"', "pull laine", "gourde")


@dataclass
class Tally:
    """What one run saw, added up over its clients."""

    requests: int = 0
    errors: int = 0  # 5xx
    other: int = 0  # other unexpected statuses
    stale: int = 0
    ryw: int = 0
    writes: int = 0
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, other: Tally) -> None:
        with self.lock:
            self.requests += other.requests
            self.errors += other.errors
            self.other += other.other
            self.stale += other.stale
            self.ryw += other.ryw
            self.writes += other.writes
            self.latencies.extend(other.latencies)


class Written:
    """The price of each item's last write that has returned, and who wrote it."""

    def __init__(self, first_price: int) -> None:
        self.prices: dict[str, tuple[int, int]] = {}
        self.lock = threading.Lock()
        self.next_price = itertools.count(first_price)

    def snapshot(self) -> dict[str, tuple[int, int]]:
        with self.lock:
            return dict(self.prices)

    def returned(self, item_id: str, price: int, client: int) -> None:
        with self.lock:
            if price > self.prices.get(item_id, (0, 0))[0]:
                self.prices[item_id] = (price, client)


class Client:
    """One client's thread: its token, its share of the items, its own random choices."""

    def __init__(self, number: int, token: str, ids: list[str], written: Written, port: int):
        self.number, self.ids, self.written, self.port = number, ids, written, port
        self.headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        self.random = random.Random(number)
        self.weights = list(
            itertools.accumulate(1 / (rank + 1) ** ZIPF_S for rank in range(len(ids)))
        )
        self.clients = 0  # set by run()
        self.tally = Tally()

    def _skewed(self) -> int:
        return bisect.bisect(self.weights, self.random.random() * self.weights[-1])

    def _send(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            connection.request(method, path, payload, headers)
            response = connection.getresponse()
            status, data = response.status, response.read()
        finally:
            connection.close()
        self.tally.latencies.append((time.perf_counter() - started) * 1000)
        self.tally.requests += 1
        if status >= 500:
            self.tally.errors += 1
        elif status >= 300:
            self.tally.other += 1
        return status, data

    def _write(self) -> None:
        rank = self._skewed()
        rank = min(rank - rank % self.clients + self.number, len(self.ids) - 1)
        if rank % self.clients != self.number:
            return
        item_id = self.ids[rank]
        price = next(self.written.next_price)
        body: dict = {"price": f"{price}.00"}
        if price % 4 == 0:
            body["description"] = f"Révision {price}"
        status, _ = self._send("PATCH", f"/api/items/{item_id}/", body)
        if status == 200:
            self.tally.writes += 1
            self.written.returned(item_id, price, self.number)

    def _check(self, items: list[dict], before: dict[str, tuple[int, int]]) -> None:
        for item in items:
            known = before.get(item["id"])
            if known is not None and float(item["price"]) < known[0]:
                self.tally.stale += 1
                self.tally.ryw += known[1] == self.number

    def _read(self, path: str, many: bool) -> None:
        before = self.written.snapshot()
        status, data = self._send("GET", path)
        if status == 200:
            page = json.loads(data)
            self._check(page["results"] if many else [page], before)

    def step(self) -> None:
        draw = self.random.random()
        if draw < WRITE_SHARE:
            self._write()
        elif draw < WRITE_SHARE + DETAIL_SHARE:
            self._read(f"/api/items/{self.ids[self._skewed()]}/", many=False)
        elif draw < WRITE_SHARE + DETAIL_SHARE + LIST_SHARE:
            query = {
                "category": self.random.choice(CATEGORIES),
                "ordering": self.random.choice(ORDERINGS),
                "page": self.random.randint(1, 5),
            }
            query = {name: value for name, value in query.items() if value}
            self._read(f"/api/items/?{urllib.parse.urlencode(query)}", many=True)
        else:
            q = urllib.parse.quote(self.random.choice(SEARCHES))
            self._read(f"/api/items/search/?q={q}&page={self.random.randint(1, 2)}", many=True)


def run(clients: list[Client], seconds: float) -> Tally:
    """Every client stepping for ``seconds``; what they saw, added up."""
    total = Tally()
    deadline = time.monotonic() + seconds

    def loop(client: Client) -> None:
        client.clients = len(clients)
        client.tally = Tally()
        while time.monotonic() < deadline:
            client.step()
        total.add(client.tally)

    threads = [threading.Thread(target=loop, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return total
