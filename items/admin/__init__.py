"""The Django admin (an entry point, floor 6): the catalog's editor and the users' pages.

- ``catalog``: ``ItemAdmin`` (list, edit, bulk actions, import and export, history, revert)
  and ``UserAdmin``, registered on import
- ``resources``: what an import reads and an export writes (django-import-export)
- ``spreadsheets``: the CSV and XLSX formats, whose cells never hold a live formula
- ``widgets``: the item form's fields: a textarea for the description, a box per tag
"""

from items.admin import catalog  # noqa: F401  (registers the admin pages)
