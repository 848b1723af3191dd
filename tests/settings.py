"""Settings for the test suite: the same services as a run, kept apart from its data."""

import os
import secrets

# Tests never need a stable key; a fresh one per run keeps secrets out of the repository.
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
# The test client speaks plain http, with external servers (DATABASE_URL set) as without.
os.environ.setdefault("DJANGO_SECURE", "false")

from config.settings import *  # noqa: F403
from config.settings import CACHES, DATA_DIR, REST_FRAMEWORK

# Tests share the server with a local run, so their cache keys live under their own prefix.
CACHES["default"]["KEY_PREFIX"] = "catalog-test"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": "100000/min",
    "user": "100000/min",
    "auth": "100000/min",
}
# Serve static files from the apps' folders: the suite does not run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# No background performance sampler in the test process: tests that break Redis must see only
# their own calls. The page still samples when viewed; tests/core/observability starts the thread.
PERFORMANCE_SAMPLE_SECONDS = 0
# The search engine: each run its own index directory (removed at the end, tests/conftest.py),
# and no indexer thread in the test process: a test that wants the engine runs one itself.
SEARCH_INDEX_DIR = DATA_DIR / "search-tests" / f"run-{os.getpid()}-{secrets.token_hex(3)}"
SEARCH_INDEXER = False
