"""Settings, assembled from one module per concern; this module only gathers them.

Every variable has a safe default: DEBUG is off unless asked for, and with ``DATABASE_URL`` or
``REDIS_URL`` unset the embedded PostgreSQL and Redis start under ``.data/``. Each environment
variable is read in the one module of its concern, through the readers of ``env``:

- ``env``: typed readers, folders, DEBUG, and whether the services are embedded
- ``core``: secret key, hosts, apps, middleware, templates, auth, i18n, static files
- ``database``: PostgreSQL, its pool, ``DB_TYPE`` and MongoDB
- ``cache``: the response cache in Redis
- ``api``: REST framework, throttles, errors, OpenAPI
- ``security``: HTTPS and browser protections, and the proxies trusted to name the client
- ``monitoring``: logging, the slow-query threshold, metrics access
- ``search``: the embedded search engine: on or off, its index directory, its waits

Settings import no app code: apps are named by dotted path only.
"""

from config.settings.api import *  # noqa: F403
from config.settings.cache import *  # noqa: F403
from config.settings.core import *  # noqa: F403
from config.settings.database import *  # noqa: F403
from config.settings.env import *  # noqa: F403
from config.settings.monitoring import *  # noqa: F403
from config.settings.search import *  # noqa: F403
from config.settings.security import *  # noqa: F403
