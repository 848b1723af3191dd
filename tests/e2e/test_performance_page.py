"""A staff member opens the performance page in a real browser and finds its charts, drawn."""

from __future__ import annotations

import re

import pytest
from django_redis import get_redis_connection
from playwright.sync_api import Page, expect

from core.observability.performance import sampling

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-only"  # UserFactory's
TITLES = [
    "Requests per second",
    "p50 latency by endpoint (ms)",
    "p99 latency by endpoint (ms)",
    "Cache hit ratio (%)",
    "Slow queries per minute",
    "Database pool use (connections)",
]


def sample_now() -> None:
    """Take a sample at once, as if the interval had passed (the live server is this process)."""
    client = get_redis_connection("default")
    client.delete(*(sampling.turn_key(name) for name in (sampling.source_name(), "cluster")))
    assert sampling.take_sample_if_due()


def test_staff_open_the_performance_page_and_find_its_charts(page: Page, shoot, api, staff_account):
    get_redis_connection("default").delete(sampling.series_key(sampling.source_name()))
    sample_now()
    for _ in range(10):
        assert api.get("/api/items/")[0] == 200

    page.goto("/admin/performance/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/admin/performance/$"))
    page.fill("#id_username", staff_account.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/performance/$"))
    sample_now()
    page.reload()

    expect(page.locator("h1")).to_have_text("Performance")
    charts = page.locator("figure.performance-chart > svg")
    expect(charts).to_have_count(len(TITLES))
    assert [charts.nth(i).locator(":scope > title").text_content() for i in range(6)] == TITLES
    for i, title in enumerate(TITLES):
        figure = page.get_by_role("figure", name=title)
        expect(figure).to_be_visible()
        expect(figure.locator("text.title")).to_have_text(title)  # drawn, not only named
        assert charts.nth(i).bounding_box()["height"] > 100
    shoot("performance-page")
    # The requests served above are drawn: a line in the requests chart, a point for the API.
    requests_chart = page.get_by_role("figure", name="Requests per second")
    expect(requests_chart.locator("path.line").first).to_be_attached()
    latency = page.get_by_role("figure", name="p50 latency by endpoint (ms)")
    expect(latency.locator(".legend", has_text="api/items/")).to_have_count(1)
    expect(latency.locator(".dots .dot").first).to_be_attached()
    shoot("requests-chart", requests_chart)
