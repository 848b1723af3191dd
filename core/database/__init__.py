"""Django's PostgreSQL backend, with a pool check that costs no round trip on a quiet connection.

``DATABASES`` names this package as its ``ENGINE``; everything but the pool is Django's own.

- ``base``: the ``DatabaseWrapper`` whose pool checks a lent connection by its socket
- ``reads``: a statement timeout on the API's reads, carried in each statement's own message
"""
