"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

from config.warm import load_and_freeze  # noqa: E402  (needs the apps loaded)

load_and_freeze()
