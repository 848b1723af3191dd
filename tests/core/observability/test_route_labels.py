"""Routes are labelled as people write them (issue 29, item 14): ``api/items/<pk>/history/``,
not the router's regular expression, in ``/metrics`` and on the performance page."""

from __future__ import annotations

import time

import pytest
from prometheus_client import REGISTRY

from core.observability.monitoring import readable_route
from core.observability.performance import sampling
from tests.core.observability.test_performance import PAGE, _no_samples_yet, next_turn  # noqa: F401
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)
HISTORY = "api/items/<pk>/history/"


@pytest.mark.parametrize(
    ("declared", "written"),
    [
        ("api/^items/(?P<pk>[^/]+)/history/$", HISTORY),
        ("api/^items/(?P<pk>[^/.]+)/$", "api/items/<pk>/"),
        ("api/^$", "api/"),
        (r"^files/(?P<name>(?:[a-z]|\))+)\.(?P<ext>[)(]{2})$", "files/<name>.<ext>"),
        ("admin/items/item/<path:object_id>/change/", "admin/items/item/<path:object_id>/change/"),
    ],
)
def test_a_route_reads_as_written(declared, written):
    assert readable_route(declared) == written


def test_the_history_route_is_labelled_as_written(client, staff):
    item = ItemFactory()
    client.force_login(staff)
    labels = {"method": "GET", "route": HISTORY, "status": "200"}
    before = REGISTRY.get_sample_value("catalog_requests_total", labels) or 0.0
    assert sampling.take_sample_if_due()
    for _ in range(3):
        assert client.get(f"/api/items/{item.pk}/history/").status_code == 200
    assert REGISTRY.get_sample_value("catalog_requests_total", labels) == before + 3
    time.sleep(0.05)
    next_turn()
    assert sampling.take_sample_if_due()
    html = client.get(PAGE).content.decode()
    assert "api/items/&lt;pk&gt;/history/" in html
    assert "(?P" not in html and "[/]+" not in html
