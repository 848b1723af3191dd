"""The item rules, held by the database itself."""
