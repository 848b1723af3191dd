"""Reading the environment: typed readers, the project's folders, and the facts every concern
module shares (is DEBUG on, are the services embedded or external).

A variable is read in exactly one module: the one for its concern. These readers refuse a
malformed value with ImproperlyConfigured naming it, so a typo stops the start.
"""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
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


def env_float(name: str, default: float) -> float:
    """Read a decimal number variable (``0.5``), refusing anything else."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated list variable."""
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def env_proxies(name: str) -> int | list[str]:
    """Read the proxies trusted to name the client: a count (0 when unset), or a list of
    addresses and networks (``10.0.0.0/8``), refusing anything that is neither."""
    raw = os.environ.get(name, "").strip()
    if re.fullmatch(r"[0-9]*", raw):
        return int(raw or 0)
    proxies = env_list(name, "")
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be a number of proxies or a list of addresses, not {proxy!r}."
            ) from None
    return proxies


def env_str(name: str, default: str = "") -> str:
    """Read a text variable, surrounding white space trimmed."""
    return os.environ.get(name, default).strip()


DEBUG = env_bool("DJANGO_DEBUG", False)
DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
EMBEDDED_SERVICES = not DATABASE_URL  # a local, self-contained install
