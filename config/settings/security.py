"""HTTPS and browser protections, and which proxies may say who the client is.

HTTPS-only settings are on for a production start (external servers, DEBUG off) and off for
the local embedded install, which serves plain http://127.0.0.1. ``DJANGO_SECURE`` overrides.
"""

from __future__ import annotations

from config.settings.env import DEBUG, EMBEDDED_SERVICES, env_bool, env_int, env_proxies

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
# Who the client is, for rate limits: the socket's address, unless proxies in front say
# otherwise in X-Forwarded-For, which anyone can send. A number N trusts the N nearest hops;
# a list trusts those addresses or networks. None by default (core/http/client_address.py).
TRUSTED_PROXIES = env_proxies("TRUSTED_PROXIES")
