"""The response cache and the throttles' state: Redis (embedded or ``REDIS_URL``)."""

from __future__ import annotations

from config import embedded
from config.settings.env import DATA_DIR, REDIS_URL, env_bool, env_int, env_str

CACHE_ENABLED = env_bool("CACHE_ENABLED", True)
CACHE_TTL = env_int("CACHE_TTL", 300)
CACHE_SEARCH_TTL = env_int("CACHE_SEARCH_TTL", 60)
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
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "catalog_cache"
