"""The keys every room of the cache shares, and how a key under versions is spelt.

An entry's key (a cached response, a token's holder) embeds the versions current when its data
was read: the epoch (bumped to drop everything) and a version of its own (an item's, the
catalog's, a token's). Invalidation bumps versions, so old keys become unreachable at once, with
no pattern delete; their TTL reclaims the memory. ``under_versions`` spells such a key; the Lua
scripts that build one in Redis are generated from the same separators (``lua_under_versions``),
and ``tests/cache`` holds the two to the same spelling.
"""

from __future__ import annotations

import functools
import uuid

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# The separators of a key under versions: <prefix><epoch>:<version><suffix>, then :<scope>.
VERSIONS_SEPARATOR = ":"
SCOPE_SEPARATOR = ":"
# Beside a version key, the WAL position of the commit that last bumped it (read replicas),
# and beside the epoch the replication id of the Redis master that owns it (Sentinel).
POSITION_SUFFIX = ":at"
OWNER_SUFFIX = ":owner"


@functools.cache
def prefix() -> str:
    """The cache's ``KEY_PREFIX``: read once, and again when ``CACHES`` changes (every key a
    request names starts with it)."""
    return settings.CACHES["default"].get("KEY_PREFIX", "")


@receiver(setting_changed)
def _cache_settings_changed(setting: str, **_: object) -> None:
    if setting == "CACHES":
        prefix.cache_clear()


def namespace() -> str:
    """Every key of the response cache and its versions starts with this."""
    return f"{prefix()}:rc:"


def epoch_key() -> str:
    return f"{namespace()}epoch"


def catalog_version_key() -> str:
    return f"{namespace()}ver:catalog"


def item_version_key(item_id: uuid.UUID) -> str:
    return f"{namespace()}ver:item:{item_id}"


def position_key(version_key: str) -> str:
    """The WAL position of the commit that last bumped ``version_key`` (read replicas)."""
    return f"{version_key}{POSITION_SUFFIX}"


def changes_key() -> str:
    """The change log: each change's items and fields, scored by its commit's WAL position."""
    return f"{namespace()}changes"


def changes_floor_key() -> str:
    """The WAL position past which the change log holds every change (read replicas)."""
    return f"{namespace()}changes:floor"


def stats_key(name: str) -> str:
    return f"{namespace()}stats:{name}"


def versions(epoch: str, version: str) -> str:
    """The versions part of a key: "<epoch>:<version>"."""
    return f"{epoch}{VERSIONS_SEPARATOR}{version}"


def under_versions(around: tuple[str, str], seen: str) -> str:
    """The key ``around`` (prefix, suffix) names under ``seen`` ("<epoch>:<version>")."""
    return f"{around[0]}{seen}{around[1]}"


def versions_in(around: tuple[str, str], key: str) -> str:
    """The versions part of ``key``, a key ``around`` names (``under_versions``' inverse)."""
    return key[len(around[0]) : len(key) - len(around[1])]


def scoped(key: str, scope: str) -> str:
    """An entry's key in one scope (who may read it)."""
    return f"{key}{SCOPE_SEPARATOR}{scope}"


def lua_under_versions(prefix_arg: str, epoch: str, version: str, suffix_arg: str) -> str:
    """The Lua expression spelling ``under_versions`` from Lua expressions."""
    return f"{prefix_arg} .. {epoch} .. '{VERSIONS_SEPARATOR}' .. {version} .. {suffix_arg}"


def lua_scoped(key: str, scope: str) -> str:
    """The Lua expression spelling ``scoped`` from Lua expressions."""
    return f"{key} .. '{SCOPE_SEPARATOR}' .. {scope}"
