"""The staff's performance page: who may see it, what it draws, and how the samples are taken."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django_redis import get_redis_connection

from catalog_cache.redis_core.guard import run
from core.observability.performance import sampling
from core.observability.performance.series import BIN_SECONDS, performance, quantile
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db

PAGE = "/admin/performance/"
TITLES = [
    "Requests per second",
    "p50 latency by endpoint (ms)",
    "p99 latency by endpoint (ms)",
    "Cache hit ratio (%)",
    "Slow queries per minute",
    "Database pool use (connections)",
]


@pytest.fixture(autouse=True)
def _no_samples_yet():
    """Each test starts with no samples and every turn free."""
    client = get_redis_connection("default")
    names = [sampling.source_name(), sampling.CLUSTER]
    client.delete(
        sampling.sources_key(),
        *(sampling.series_key(name) for name in names),
        *(sampling.turn_key(name) for name in names),
    )


def next_turn() -> None:
    """As if the sampling interval had passed: the turns are free again."""
    client = get_redis_connection("default")
    client.delete(*(sampling.turn_key(name) for name in (sampling.source_name(), "cluster")))


def stored(source: str) -> list[dict]:
    return sampling.recent_samples(get_redis_connection("default"), time.time()).get(source, [])


def chart_titles(html: str) -> list[str]:
    return re.findall(r'<figure class="performance-chart" aria-label="([^"]+)">', html)


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={PAGE}"


def test_signed_in_users_who_are_not_staff_are_refused(client, user):
    client.force_login(user)
    response = client.get(PAGE, follow=True)
    assert response.redirect_chain == [(f"/admin/login/?next={PAGE}", 302)]
    body = response.content.decode()
    assert "not authorized to access this page" in body
    assert "pygal-chart" not in body and "Requests per second" not in body


def test_staff_see_six_svg_charts_drawn_from_the_requests_served(client, staff, settings):
    settings.SLOW_QUERY_MS = 0  # every query counts as slow
    ItemFactory()
    client.force_login(staff)
    assert sampling.take_sample_if_due()
    for _ in range(5):
        assert client.get("/api/items/").status_code == 200
    time.sleep(0.05)  # the samples' times must differ
    next_turn()
    assert sampling.take_sample_if_due()

    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert chart_titles(html) == TITLES
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" id="chart-') == len(TITLES)
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html)  # nothing from elsewhere
    for title in TITLES:
        assert f"<title>{title}</title>" in html

    now = time.time()
    figures = performance(sampling.recent_samples(get_redis_connection("default"), now), now)
    this_minute = [series[-1] for series in figures.requests.values()]
    assert this_minute[0] and this_minute[0] > 0  # all requests
    assert figures.p50["api/items/"][-1] > 0 and figures.p99["api/items/"][-1] > 0
    assert figures.p99["api/items/"][-1] >= figures.p50["api/items/"][-1]
    assert figures.slow_queries[-1] > 0
    assert (
        figures.pool["capacity"][-1] == settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
    )


def test_one_sample_per_interval_however_many_threads_try(settings):
    settings.PERFORMANCE_SAMPLE_SECONDS = 30
    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda: results.append(sampling.take_sample_if_due()))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert len(stored(sampling.source_name())) == 1
    assert len(stored(sampling.CLUSTER)) == 1
    ttl = get_redis_connection("default").pttl(sampling.turn_key(sampling.source_name()))
    assert 0 < ttl <= 27_000  # the turn is held 90% of the interval


def test_each_server_samples_its_own_figures_and_the_cache_counts_once(monkeypatch):
    assert sampling.take_sample_if_due()
    monkeypatch.setattr(sampling, "source_name", lambda: "other-host:/run/metrics")
    try:
        assert sampling.take_sample_if_due()  # another server's turn is its own
        assert len(stored("other-host:/run/metrics")) == 1
    finally:
        get_redis_connection("default").delete(
            sampling.series_key("other-host:/run/metrics"),
            sampling.turn_key("other-host:/run/metrics"),
        )
    assert len(stored(sampling.CLUSTER)) == 1  # cluster-wide figures: one series for all


def test_samples_are_kept_an_hour_and_capped():
    client = get_redis_connection("default")
    source = sampling.source_name()
    now = time.time()
    for age in (2 * 3600, 3600 + 600, 1800, 10):
        sampling._append(client, source, {"requests": {}}, now - age, 10)
    assert [round(now - s["t"]) for s in stored(source)] == [1800, 10]
    for step in range(sampling.KEEP_SECONDS // 600 + 20):
        sampling._append(client, source, {"requests": {}}, now - 3000 + step, 600)
    assert client.zcard(sampling.series_key(source)) == sampling.KEEP_SECONDS // 600 + 10
    assert 0 < client.ttl(sampling.series_key(source)) <= sampling.KEEP_SECONDS


def test_with_redis_down_requests_are_served_and_the_page_says_why(client, staff, own_redis):
    ItemFactory()
    client.force_login(staff)
    own_redis.kill()
    assert client.get("/api/items/").status_code == 200
    assert sampling.take_sample_if_due() is False
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Redis is unreachable" in html and "pygal-chart" not in html


def test_the_sampler_thread_samples_in_the_background(settings):
    settings.PERFORMANCE_SAMPLE_SECONDS = 1
    before = {t for t in threading.enumerate() if t.name == "performance-sampler"}
    sampler = sampling.Sampler()
    sampler.keep_running()
    sampler.keep_running()  # the same process: no second thread
    started = {t for t in threading.enumerate() if t.name == "performance-sampler"} - before
    assert len(started) == 1
    deadline = time.monotonic() + 5
    while len(stored(sampling.source_name())) < 2:
        assert time.monotonic() < deadline, "no samples from the background thread"
        time.sleep(0.1)
    samples = stored(sampling.source_name())
    assert samples[1]["t"] - samples[0]["t"] >= 0.85  # one per interval, not more


def test_percentiles_interpolate_within_the_histogram_buckets():
    bounds = [0.1, 0.5, 1.0, float("inf")]
    cumulative = [10.0, 90.0, 100.0, 100.0]
    assert quantile(0.5, bounds, cumulative) == pytest.approx(0.3)  # 0.1 + 0.4 * 40/80
    assert quantile(0.99, bounds, cumulative) == pytest.approx(0.95)  # 0.5 + 0.5 * 9/10
    assert quantile(0.05, bounds, cumulative) == pytest.approx(0.05)  # from 0 in the first
    assert quantile(0.5, bounds, [0.0, 0.0, 4.0, 10.0]) == 1.0  # beyond: the last finite bound
    assert quantile(0.5, bounds, [0.0] * 4) is None


def _sample(t: float, requests: float, fast: float, slow: float) -> dict:
    """A server's cumulative figures: ``fast`` requests under 0.1 s, ``slow`` under 1 s."""
    return {
        "t": t,
        "requests": {"api/items/": requests},
        "errors": 0.0,
        "buckets": {"api/items/": {"0.1": fast, "1.0": fast + slow, "+Inf": fast + slow}},
        "slow": 0.0,
        "pool": {"in_use": 2.0, "idle": 3.0, "max": 10.0, "waiting": 0.0},
    }


def test_servers_add_up_and_a_restarted_one_counts_from_zero():
    now = (time.time() // BIN_SECONDS) * BIN_SECONDS + 30  # mid-minute
    one = [_sample(now - 20, 1000, 900, 100), _sample(now - 10, 1200, 1090, 110)]
    two = [_sample(now - 25, 5000, 5000, 0), _sample(now - 5, 40, 0, 40)]  # restarted
    cluster = [{"t": now - 20, "hits": 10, "misses": 5}, {"t": now - 10, "hits": 40, "misses": 15}]
    figures = performance({"one": one, "two": two, "cluster": cluster}, now)
    assert figures.requests["all"][-1] == pytest.approx(200 / 10 + 40 / 20)
    # The minute's buckets: 190 + 0 under 0.1 s, then 10 + 40 under 1 s: 240 requests.
    assert figures.p50["api/items/"][-1] == pytest.approx(100 * 120 / 190, abs=0.01)
    assert figures.p99["api/items/"][-1] == pytest.approx(100 + 900 * (237.6 - 190) / 50, abs=0.01)
    assert figures.cache_hit_ratio[-1] == pytest.approx(75.0)  # 30 hits of 40 lookups
    assert figures.pool["in use"][-1] == 4 and figures.pool["capacity"][-1] == 20
    assert figures.requests["all"][:-1] == [None] * (len(figures.labels) - 1)  # nothing earlier


def test_the_page_draws_from_what_the_guard_reads(client, staff):
    client.force_login(staff)
    client.get(PAGE)  # the page takes a sample itself
    assert run(lambda c: c.zcard(sampling.series_key(sampling.source_name())), 0) == 1
    html = client.get(PAGE).content.decode()
    assert "Collecting" in html  # one sample: no line yet, and the page says so
    assert "taken when this page is viewed (background sampling is off)" in " ".join(html.split())
    assert chart_titles(html) == TITLES
