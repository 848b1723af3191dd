"""The response cache and the throttles' state: Redis (embedded, ``REDIS_URL``, or the master
the Sentinels of ``REDIS_SENTINELS`` name for ``REDIS_SENTINEL_SERVICE``)."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.settings.env import DATA_DIR, REDIS_URL, env_bool, env_int, env_list, env_str
from core import embedded

CACHE_ENABLED = env_bool("CACHE_ENABLED", True)
CACHE_TTL = env_int("CACHE_TTL", 300)
CACHE_SEARCH_TTL = env_int("CACHE_SEARCH_TTL", 60)
# How long a token's holder is trusted from Redis. A change to the user made through save()
# reaches it at once; one made outside Django's signals (QuerySet.update(), raw SQL, another
# service on the same database) only when the holder expires: this bounds that window.
CACHE_SIGN_IN_TTL = env_int("CACHE_SIGN_IN_TTL", 30)

# Redis Sentinel: the cache follows the master the Sentinels name for the service, through a
# failover (django-redis's Sentinel connection factory; reads and writes go to the master).
REDIS_SENTINELS = env_list("REDIS_SENTINELS", "")
REDIS_SENTINEL_SERVICE = env_str("REDIS_SENTINEL_SERVICE", "catalog")


def _sentinel(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ImproperlyConfigured(f"REDIS_SENTINELS lists host:port pairs, not {address!r}.")
    return host, int(port)


_SENTINELS = [_sentinel(address) for address in REDIS_SENTINELS]
# A promoted replica may lack the last invalidations: the cache's epoch then moves
# (catalog_cache.redis_core.scripts), which costs a look at the master's replication id on
# each read.
CACHE_FAILOVER_EPOCH = env_bool("CACHE_FAILOVER_EPOCH", bool(_SENTINELS))
if _SENTINELS:
    REDIS_LOCATION = f"redis://{REDIS_SENTINEL_SERVICE}/0"
else:
    REDIS_LOCATION = REDIS_URL or embedded.embedded_redis_url(DATA_DIR)
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_LOCATION,
        "TIMEOUT": CACHE_TTL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "catalog"),
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
            # Redis is an accelerator: when it is down, reads fall through to the database.
            "IGNORE_EXCEPTIONS": True,
        },
    }
}
if _SENTINELS:
    CACHES["default"]["OPTIONS"].update(
        CONNECTION_FACTORY="django_redis.pool.SentinelConnectionFactory",
        SENTINELS=_SENTINELS,
        SENTINEL_KWARGS={"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    )
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "catalog_cache"
