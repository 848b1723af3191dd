"""The catalog's items: model, admin, repository, API."""
