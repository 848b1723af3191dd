"""Django itself: the secret key, hosts, apps, middleware, templates, auth, i18n, static files."""

from __future__ import annotations

import os
import secrets

from django.core.exceptions import ImproperlyConfigured

from config.settings.env import (
    BASE_DIR,
    DATA_DIR,
    DEBUG,
    EMBEDDED_SERVICES,
    env_int,
    env_list,
    env_str,
)
from core import embedded


def _secret_key() -> str:
    key = env_str("DJANGO_SECRET_KEY")
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
    "import_export",
    "simple_history",
    "items",
    "catalog_cache",
]

MIDDLEWARE = [
    "core.http.request_id.RequestIdMiddleware",
    "core.observability.monitoring.MonitoringMiddleware",
    # Cache hits leave here, before every layer they do not need. A hit does itself what the
    # layers below would do to it: the security headers and If-None-Match (Django's own
    # methods), Vary: Cookie and X-Frame-Options; a request one of them would answer
    # differently (a body, X-Catalog-Position, a redirect to https, a host not allowed) goes
    # down the whole chain.
    "catalog_cache.responses.middleware.CachedResponseMiddleware",
    "core.http.errors.RequestGuardMiddleware",
    "catalog_cache.rates.logins.LoginRateLimitMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",  # ETag on GETs; If-None-Match -> 304
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # X-Catalog-Position checked; with read replicas, each write's WAL position remembered
    # for its caller and returned (after the commit, which happens inside the view).
    "catalog_cache.positions.middleware.ReadPositionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "items.actor.ActorMiddleware",  # the change history's "who" (see items/actor)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Versions are read per item (by its id); no index on their date alone to slow bulk loads.
SIMPLE_HISTORY_DATE_INDEX = False
IMPORT_EXPORT_USE_TRANSACTIONS = True  # an admin import commits all of its rows or none

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
