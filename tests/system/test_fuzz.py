"""Requests generated from the published OpenAPI schema: no 5xx, and every answer as documented.

Bounded and seeded (derandomized) so the suite stays quick and reproducible; ``make fuzz``
runs the same tests with many more examples (``FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.factories import ItemFactory

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the seed comes from the test itself: the same cases every run
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _published_schema() -> schemathesis.schemas.BaseSchema:
    """The schema /api/schema/ serves, generated without a request, called in-process."""
    from drf_spectacular.generators import SchemaGenerator

    from config.wsgi import application

    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = application
    return loaded


schema = _published_schema()


@pytest.fixture
def catalog(db):
    """A few items, and the test's database connection kept open across requests.

    The WSGI handler closes connections when a request finishes; inside the test's
    transaction that would end the test's own. Django's test client does the same as this.
    """
    from django.core import signals
    from django.db import close_old_connections

    ItemFactory.create_batch(3)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# What the issue asks of every answer: no 5xx, and conformance to the published schema
# (status code, content type, headers, body). Whether the server accepts every schema-valid
# request (opaque cursors, unknown credentials) is not one of them.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    allow_header_conformance,
]


@schema.parametrize()
@FUZZ
def test_anonymous_requests(case, catalog):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_staff_requests(case, catalog, staff):
    token, _ = Token.objects.get_or_create(user=staff)
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"}, checks=CHECKS)
