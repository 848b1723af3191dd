"""``manage.py cache_stats`` and ``cache_clear``."""
