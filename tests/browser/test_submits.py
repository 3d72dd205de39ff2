"""A create form sent twice from a real browser (resent, then tapped twice) starts one meeting and lands on it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from reviews.models import Meeting
from tests.conftest import vi
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_resent_and_double_tapped_start_form_starts_one_thematic_meeting(
    page: Page, live_server, secretary, ward
):
    page.goto(f"{live_server.url}/")
    page.locator("input[name=username]").fill("chibo01")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=vi("Log in")).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(f"{live_server.url}/meetings/cell/{ward.cell01.pk}/new/?kind=thematic")
    page.locator("input[name=topic]").fill("Học tập Nghị quyết")
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    button = page.get_by_role("button", name=vi("Start the meeting"))
    # the same form sent once more in the background, as a phone on a weak line resends it, then a double tap
    page.evaluate(
        "() => { const f = document.querySelector('main form[method=post]') || document.forms[1];"
        " return fetch(location.href, {method: 'POST', body: new FormData(f)}).then(r => r.status); }"
    )
    button.dblclick()
    page.wait_for_url("**/edit/")
    expect(
        page.get_by_text(vi("Already saved: this form was sent more than once and recorded only once."))
    ).to_be_visible()
    meeting = Meeting.objects.get()  # one, however many presses reached the server
    assert meeting.kind == "thematic" and page.url.endswith(f"/meetings/{meeting.pk}/edit/")
    print(f"POSTs sent: {len(posts)}")
