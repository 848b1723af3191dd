"""The composition root: settings, the URL map and the servers' entry points. It imports every
room; nothing imports it (settings aside, which import no app code).

- ``settings``: one module per concern, assembled in a documented order
- ``urls``: the URL map: the API, the admin, the schema, the probes and the scrape
- ``wsgi``, ``asgi``: the servers' entry points; ``warm``: what they load at start and freeze
  out of the garbage collector's reach
- ``gunicorn.conf``: gunicorn's settings (workers, the metrics folder)

``docker/`` and ``monitoring/`` hold no Python: the compose images and scripts, and the
monitoring profile's Prometheus and Grafana configuration.
"""
