"""The Django admin (an entry point, floor 5): the catalog's editor and the users' pages.

- ``catalog``: ``ItemAdmin`` (list, edit, bulk actions, import and export, history, revert)
  and ``UserAdmin``, registered on import
- ``resources``: what an import reads and an export writes (django-import-export)
"""

from items.admin import catalog  # noqa: F401  (registers the admin pages)
