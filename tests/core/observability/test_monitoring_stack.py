"""The compose `monitoring` profile holds together: Prometheus scrapes the app as the app lets it,
Grafana is provisioned with that Prometheus and the dashboard, and every metric the dashboard
asks for is one `/metrics` really serves (scraped here, not listed by hand).

No container runs here: the files are read as Docker Compose, Prometheus and Grafana read them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath

import pytest
import yaml
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def bind_mounts(service: str) -> dict[PurePosixPath, Path]:
    """A service's bind mounts of the repository's files: container path -> host path."""
    mounts = {}
    for volume in SERVICES[service].get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            mounts[PurePosixPath(target)] = ROOT / source
    return mounts


def on_host(service: str, container_path: str) -> Path:
    """Where a path inside the service's container comes from in the repository."""
    wanted = PurePosixPath(container_path)
    for target, source in bind_mounts(service).items():
        if wanted == target or target in wanted.parents:
            return source / wanted.relative_to(target)
    raise AssertionError(f"{container_path} is not mounted into {service}")


def compose_default(value: str) -> str:
    """The default of a ``${NAME:-default}`` value."""
    return re.fullmatch(r"\$\{\w+:-(.*)\}", value).group(1)


def prometheus_config() -> dict:
    flags = dict(arg.split("=", 1) for arg in SERVICES["prometheus"]["command"])
    return yaml.safe_load(on_host("prometheus", flags["--config.file"]).read_text())


def grafana_provisioning(kind: str) -> list[dict]:
    folder = on_host("grafana", f"/etc/grafana/provisioning/{kind}")
    return [yaml.safe_load(path.read_text()) for path in sorted(folder.glob("*.yml"))]


def dashboard() -> dict:
    (provider,) = grafana_provisioning("dashboards")[0]["providers"]
    (path,) = on_host("grafana", provider["options"]["path"]).glob("*.json")
    return json.loads(path.read_text())


def test_the_monitoring_profile_adds_prometheus_and_grafana_only():
    profiled = {name for name, spec in SERVICES.items() if "monitoring" in spec.get("profiles", [])}
    assert profiled == {"prometheus", "grafana"}
    assert all("profiles" not in SERVICES[name] for name in ("postgres", "redis", "mongo", "app"))
    for service in profiled:
        assert ":" in SERVICES[service]["image"], f"{service}'s image is not pinned"
        for target, source in bind_mounts(service).items():
            assert source.exists(), f"{service} mounts {source} at {target}, which is missing"


def test_prometheus_scrapes_the_app_with_the_metrics_token(client, settings):
    (job,) = prometheus_config()["scrape_configs"]
    (target,) = job["static_configs"][0]["targets"]
    host, port = target.split(":")
    assert host in SERVICES and port == SERVICES["app"]["ports"][0].rsplit(":", 1)[1]
    assert job["metrics_path"] == reverse("metrics")
    # The token: the compose secret made from METRICS_TOKEN, which the app is given too.
    assert job["authorization"]["type"] == "Bearer"
    secret = PurePosixPath(job["authorization"]["credentials_file"])
    assert secret.parent == PurePosixPath("/run/secrets")
    assert secret.name in SERVICES["prometheus"]["secrets"]
    assert COMPOSE["secrets"][secret.name] == {"environment": "METRICS_TOKEN"}
    app = SERVICES["app"]["environment"]
    assert compose_default(app["METRICS_TOKEN"]) == ""  # the same variable, no default token
    # The app, set up as compose sets it, answers that scrape.
    settings.ALLOWED_HOSTS = compose_default(app["DJANGO_ALLOWED_HOSTS"]).split(",")
    settings.METRICS_TOKEN = "token-from-the-secret"
    scrape = {"HTTP_HOST": target, "HTTP_AUTHORIZATION": "Bearer token-from-the-secret"}
    assert client.get(job["metrics_path"], **scrape).status_code == 200
    scrape["HTTP_AUTHORIZATION"] = "Bearer another"
    assert client.get(job["metrics_path"], **scrape).status_code == 403


def test_grafana_is_provisioned_with_that_prometheus_and_the_dashboard():
    (datasource,) = grafana_provisioning("datasources")[0]["datasources"]
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://prometheus:9090"  # the service, on Prometheus's port
    assert "9090" in SERVICES["prometheus"]["ports"][0]
    home = SERVICES["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert json.loads(on_host("grafana", home).read_text()) == dashboard()
    board = dashboard()
    assert board["time"] == {"from": "now-1h", "to": "now"}
    for panel in board["panels"]:
        assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]
        assert all(t["datasource"]["uid"] == datasource["uid"] for t in panel["targets"])


def test_every_metric_the_dashboard_draws_is_served_by_metrics(staff_client, settings):
    settings.SLOW_QUERY_MS = 0  # so that the slow-query counter has a route
    ItemFactory()
    staff_client.get("/api/items/")
    scraped = staff_client.get("/metrics").content.decode()
    served = {
        sample.name
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
    }
    exprs = [target["expr"] for panel in dashboard()["panels"] for target in panel["targets"]]
    asked = {name for expr in exprs for name in re.findall(r"\bcatalog_\w+", expr)}
    assert len(asked) >= 10
    assert asked - served == set()
    titles = {panel["title"] for panel in dashboard()["panels"]}
    assert {"Requests per second", "Cache hit ratio", "Database pool use"} <= titles
