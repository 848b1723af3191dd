"""The API consumer's journey in a real browser: browsable API, its form, pages, Swagger UI."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.factories import ItemFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-only"  # UserFactory's


def shown_response(page: Page) -> tuple[str, Any]:
    """The status line and the JSON body the browsable API shows."""
    text = page.locator(".response-info pre").inner_text()
    status, _, rest = text.partition("\n")
    return status, json.loads(rest[rest.index("{") :])


def test_consumer_journey_in_the_browsable_api(page: Page, shoot, api, user):
    for number in range(1, 26):
        ItemFactory(name=f"Article {number:02d}")

    # 1. Open the browsable API.
    page.goto("/api/")
    expect(page.locator(".page-header h1")).to_have_text("Api Root")
    shoot("api-root")

    # 2. Log in through its link, and come back to where we were.
    page.get_by_role("link", name="Log in").click()
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    shoot("login-form")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{api.base_url}/api/")
    expect(page.locator(".navbar .dropdown-toggle")).to_contain_text(user.username)

    # 3. POST an item through the HTML form, under the list it was shown (and may have cached).
    page.locator(".response-info a", has_text="/api/items/").click()
    # Its scripts set the forms up once the page has loaded: a field filled before may be
    # reset (seen on a loaded machine: the form posted with a blank name).
    page.wait_for_load_state("load")
    assert shown_response(page)[1]["count"] == 25
    form = page.locator("#post-object-form")
    form.locator("[name=name]").fill("  Lampe de bureau ")
    form.locator("[name=description]").fill("Lampe LED orientable")
    form.locator("[name=price]").fill("24.90")
    form.locator("[name=category]").select_option("autre")
    form.locator("[name=tags]").fill("bureau, led , bureau")
    form.locator("[name=is_active]").check()
    shoot("post-form-filled")
    form.get_by_role("button", name="POST").click()
    status, created = shown_response(page)
    assert status == "HTTP 201 Created", created  # the errors, if the form was refused
    shoot("item-created")
    assert (created["name"], created["price"], created["tags"]) == (
        "Lampe de bureau",
        "24.90",
        ["bureau", "led"],
    )
    assert (created["is_active"], created["created_by"]) == (True, user.pk)
    assert api.get(f"/api/items/{created['id']}/") == (200, created)

    # 4. Follow the pages: 26 items, 20 a page.
    page.locator("a.btn", has_text="GET").first.click()
    status, first = shown_response(page)
    assert (status, first["count"], len(first["results"])) == ("HTTP 200 OK", 26, 20)
    page.locator("ul.pagination a[aria-label=Next]").click()
    expect(page).to_have_url(f"{api.base_url}/api/items/?page=2")
    status, second = shown_response(page)
    shoot("second-page")
    assert second["next"] is None and second["previous"] is not None
    assert [i["name"] for i in first["results"] + second["results"]] == [
        *(f"Article {number:02d}" for number in range(1, 26)),
        "Lampe de bureau",
    ]


def test_the_post_form_offers_is_active_ticked(page: Page, user):
    page.goto("/api-auth/login/?next=/api/items/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#post-object-form")).to_be_visible()
    assert page.locator("#post-object-form [name=is_active]").is_checked()


def test_swagger_ui_runs_a_request(page: Page, shoot, swagger_ui_served_locally):
    ItemFactory.create_batch(3)
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Catalog API")
    operation = page.locator('.opblock-get:has(.opblock-summary-path[data-path="/api/items/"])')
    shoot("swagger-ui", page.locator(".swagger-ui .information-container"))
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    live = operation.locator(".live-responses-table .response")
    expect(live.locator(".response-col_status")).to_have_text("200")
    body = json.loads(live.locator(".response-col_description pre").first.inner_text())
    assert body["count"] == 3
    shoot("swagger-executed", live)
