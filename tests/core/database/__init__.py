"""Django's PostgreSQL backend: the pool's cheaper check."""
