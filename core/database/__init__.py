"""Django's PostgreSQL backend, with a pool check that costs no round trip on a quiet connection.

``DATABASES`` names this package as its ``ENGINE``; everything but the pool is Django's own.

- ``base``: the ``DatabaseWrapper`` whose pool checks a lent connection by its socket
"""
