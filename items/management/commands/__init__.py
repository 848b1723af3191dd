"""``manage.py`` commands: each parses its arguments, calls one operation and prints."""
