"""The main pages of each kind of user render under the Content-Security-Policy with no violation.

The policy (phuthang/security.py) refuses inline scripts and styles; chromium reports each refusal on the
console ("Refused to … because it violates the following Content Security Policy directive") and fires a
`securitypolicyviolation` event. Each page below is opened as its user; any report fails the test. The
scripts moved out of the templates still work: the print button prints, the email frame shows the email.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from reviews.models import Review
from tests.conftest import vi
from tests.factories import PASSWORD, make_meeting, make_notification, make_review, make_shortcoming

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Recorded in every frame from the first byte, before any page script runs.
LISTEN = """document.addEventListener('securitypolicyviolation', e => {
  (window.top.__csp = window.top.__csp || []).push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});"""


class Visit:
    """A logged-in browser tab that collects every policy violation, with the page it happened on."""

    def __init__(self, browser: Browser, context_args: dict[str, Any], origin: str, username: str) -> None:
        self.context = browser.new_context(**{**context_args, "base_url": origin})
        self.context.add_init_script(LISTEN)
        self.page = self.context.new_page()
        self.violations: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.violations.append(f"{self.page.url}: {m.text}")
                if "Content Security Policy" in m.text
                else None
            ),
        )
        self.pages = 0
        if username:
            self.page.goto("/accounts/login/")
            self.page.locator("input[name=username]").fill(username)
            self.page.locator("input[name=password]").fill(PASSWORD)
            self.page.get_by_role("button", name=vi("Log in")).click()
            self.page.wait_for_load_state()

    def open(self, path: str) -> Page:
        response = self.page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        self.page.wait_for_load_state("load")
        self.violations += [f"{path}: {v}" for v in self.page.evaluate("window.__csp || []")]
        self.pages += 1
        return self.page

    def close(self) -> tuple[int, list[str]]:
        self.context.close()
        return self.pages, self.violations


def test_the_main_pages_of_every_role_run_under_the_policy_with_no_violation(
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_server: Any,
    ward,
    secretary,
    inspector,
    leader,
    staff,
) -> None:
    meeting = make_meeting(ward.cell01, by=secretary)
    item = make_shortcoming(ward.cell01)
    review = make_review(member=ward.members01[0], status="proposed")
    staff.is_superuser = True  # the office account as seed_demo makes it, for the admin's pages
    staff.save(update_fields=["is_superuser"])
    digest = make_notification(ward.members01[0]).digest
    digest.body_html = '<html><body style="font-family: Arial"><p style="color: #b02a37">Nhắc việc tháng này</p></body></html>'
    digest.body_text = "Nhắc việc tháng này"
    digest.save()
    origin = live_server.url
    checked: dict[str, int] = {}
    violations: list[str] = []

    anonymous = Visit(browser, browser_context_args, origin, "")
    anonymous.open("/accounts/login/")
    anonymous.page.locator("input[name=username]").fill("chibo01")
    anonymous.page.get_by_role("button", name=vi("Log in")).click()  # the error summary's script runs
    anonymous.page.wait_for_load_state()
    checked["anonymous"], found = anonymous.close()
    violations += found

    visit = Visit(browser, browser_context_args, origin, "chibo01")
    for path in (
        "/",
        f"/cells/{ward.cell01.pk}/",
        f"/meetings/{meeting.pk}/edit/",
        f"/shortcomings/{item.pk}/",
        f"/reviews/{review.pk}/",
        f"/shortcomings/new/?meeting={meeting.pk}",
    ):
        visit.open(path)
    page = visit.open(f"/meetings/{meeting.pk}/")
    page.evaluate("window.print = () => { window.printed = true; }")  # headless chromium has no printer
    page.get_by_role("button", name=vi("Print")).click()
    assert page.evaluate("window.printed === true"), "the print button no longer prints"
    checked["secretary"], found = visit.close()
    violations += found

    visit = Visit(browser, browser_context_args, origin, "ubkt2")
    for path in ("/shortcomings/", f"/shortcomings/{item.pk}/", "/cells/", "/oversight/"):
        visit.open(path)
    checked["inspector"], found = visit.close()
    violations += found

    visit = Visit(browser, browser_context_args, origin, "bithu")
    for path in (f"/reviews/{review.pk}/decide/", "/review-rounds/", "/reminders/", "/reminders/preview/"):
        visit.open(path)
    page = visit.open(f"/reminders/{digest.pk}/")
    expect(page.frame_locator("iframe.email-frame").get_by_text("Nhắc việc tháng này")).to_be_visible()
    checked["leader"], found = visit.close()
    violations += found

    visit = Visit(browser, browser_context_args, origin, "vanphong")
    for path in (
        "/",
        "/admin/",
        "/admin/reviews/shortcoming/",
        f"/admin/reviews/shortcoming/{item.pk}/change/",
        "/admin/cells/member/",
        f"/members/{ward.members01[0].pk}/edit/",
    ):
        visit.open(path)
    checked["staff"], found = visit.close()
    violations += found

    print("\npages checked under the policy:", checked, "violations:", len(violations))
    assert violations == [], "\n".join(violations)
    assert Review.objects.filter(pk=review.pk).exists()
