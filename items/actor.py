"""Who is acting: the signed-in user a write is made for, as the change history records it.

A request's user is known only once authentication ran (DRF authenticates tokens inside the
view, and sets the Django request's ``user`` when it does), so ``ActorMiddleware`` keeps a
lazy look-up of it; commands name their user with ``acting_as``. The repository reads
``current_actor()`` when it writes, and hands it to the database inside a statement the write
already runs.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse

_actor: contextvars.ContextVar[Callable[[], int | None]] = contextvars.ContextVar(
    "actor", default=lambda: None
)


def current_actor() -> int | None:
    """The id of the user the current write is made for; ``None`` for the system."""
    return _actor.get()()


@contextlib.contextmanager
def acting_as(user_id: int | None) -> Iterator[None]:
    """Writes inside this block are recorded as made by ``user_id`` (``None``: the system)."""
    token = _actor.set(lambda: user_id)
    try:
        yield
    finally:
        _actor.reset(token)


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


class ActorMiddleware:
    """Makes the request's user (whoever authentication settles on) the acting user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _actor.set(lambda: _user_id(request))
        try:
            return self.get_response(request)
        finally:
            _actor.reset(token)
