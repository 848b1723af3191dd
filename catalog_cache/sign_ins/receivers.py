"""A change to an API token or to its user forgets the token's stored holder, after the commit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from catalog_cache.sign_ins.holders import forget


def _forget_on_commit(tokens: list[str], using: str) -> None:
    if tokens:
        transaction.on_commit(lambda: forget(tokens), using=using)


@receiver(post_save, sender=Token, dispatch_uid="catalog_cache.token_saved")
@receiver(post_delete, sender=Token, dispatch_uid="catalog_cache.token_deleted")
def token_changed(sender: Any, instance: Token, using: str, **_: Any) -> None:
    """A token deleted (revoked, rotated, its user deleted) or saved is looked up again."""
    _forget_on_commit([instance.key], using)


# Saves that change nothing a token's holder is made of (a session login stamps last_login).
_HOLDER_UNCHANGED = frozenset({"last_login"})


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="catalog_cache.user_saved")
def user_changed(sender: Any, instance: Any, using: str, created: bool, **kwargs: Any) -> None:
    """A user saved (deactivated, made staff or not, a new password): their tokens' holders are
    looked up again. (A deleted user's tokens are deleted with them: ``token_changed``.)"""
    fields = kwargs.get("update_fields")
    if created or (fields is not None and frozenset(fields) <= _HOLDER_UNCHANGED):
        return
    user_id = instance.pk

    def forget_theirs() -> None:
        # The tokens are read after the commit, so one made meanwhile (and perhaps stored with
        # the user as they were) is forgotten too.
        tokens = Token.objects.using(using).filter(user_id=user_id).values_list("key", flat=True)
        forget(list(tokens))

    transaction.on_commit(forget_theirs, using=using)
