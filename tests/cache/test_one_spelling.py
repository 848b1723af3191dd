"""Each key, holder and route the cache spells in two languages is spelt one way.

The Lua scripts build keys and read holders in Redis; the process predicts the same keys in
Python (``plain_reads``) and the middleware matches the URLconf's routes. These tests run the
real scripts in the real Redis and compare what they built with the Python spelling.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog_cache.rates.buckets import Bucket, throttle_key
from catalog_cache.rates.throttles import user_bucket
from catalog_cache.redis_core import keys
from catalog_cache.redis_core.guard import run
from catalog_cache.responses import lookups
from catalog_cache.responses.middleware import routes
from catalog_cache.sign_ins import holders

pytestmark = pytest.mark.django_db(transaction=True)


def _versions(version_key: str) -> str:
    epoch, version = run(lambda c: c.mget(keys.epoch_key(), version_key))
    return keys.versions(epoch.decode(), version.decode())


def test_an_entry_key_built_by_the_script_is_the_one_python_spells():
    version_key, entry = keys.catalog_version_key(), ("test:spelling:", ":x")
    read = lookups.lookup(version_key, entry, ("public",))
    assert read.key == keys.under_versions(entry, _versions(version_key))
    assert keys.versions_in(entry, read.key) == _versions(version_key)
    run(lambda c: c.set(keys.scoped(read.key, "public"), b"stored"))
    assert lookups.lookup(version_key, entry, ("staff", "public")).value == b"stored"


def test_a_holder_stored_in_python_is_read_by_the_scripts():
    holder = holders.Holder(42, "owner:42", False, False, "alice|x")
    assert holders.Holder.decode(holder.encode()) == holder
    recalled = holders.recall("a-token")
    digest = holders.token_digest("a-token")
    assert recalled.key == keys.under_versions(
        holders.token_entry(digest), _versions(holders.token_version_key(digest))
    )
    holders.remember(recalled.key, holder)
    rate = Bucket(throttle_key("user:"), 5, 60)
    counted = holders.recall("a-token", rate)
    assert counted.holder == holder and counted.counted.wait is None
    # The script found the user id where Python puts it: it counted in this user's bucket.
    assert run(lambda c: c.zcard(user_bucket(rate, 42).key)) == 1
    user_id, scope, head = holders.Holder.head(holder.encode())
    assert (user_id, scope) == ("42", "owner:42") and holder.encode().startswith(head)


def test_the_routes_matched_are_the_urlconfs():
    found = routes()
    assert found.collections == {
        reverse("item-list"): "list",
        reverse("item-search"): "search",
        reverse("item-suggest"): "suggest",
    }
    detail = reverse("item-detail", kwargs={"pk": "01a2-x"})
    assert found.detail.match(detail)[1] == "01a2-x"
    assert found.labels["detail"] == "api/items/<pk>/"
