"""The reminders' dry run at a province's scale (docs/reminders.md): prepared by a job, then paged and
searched from what it kept. The threshold is lowered so a few cells stand for a province's 5,280."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phuthang import jobs
from phuthang.models import Job
from reviews.models import DryRunEmail, Notification, Rule
from reviews.services import reminders
from tests.conftest import vi
from tests.factories import make_assignment, make_cell, make_cells, make_committee, make_member


@pytest.fixture(autouse=True)
def province(monkeypatch, client, db):
    """Any organisation is "large": the page offers the job. The pages in English."""
    monkeypatch.setattr(reminders, "PREVIEW_IN_REQUEST_CELLS", 0)
    Rule.objects.update_or_create(key="reminders.oversight.effective_from", defaults={"value": "2020-01-01"})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def overseers(ward, n: int, *, committee=None) -> None:
    """n committee members, each overseeing a cell of their own this month: n oversight emails."""
    cells = make_cells(n, committee or ward.committee)
    for i, cell in enumerate(cells):
        make_assignment(make_member(ward.cell02, full_name=f"Ủy viên số {i:02d}"), cell)


def prepare(client) -> Job:
    response = client.post("/reminders/preview/prepare/")
    job = Job.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))
    assert jobs.run(job.pk) == "done"
    return job


def test_a_large_committee_is_offered_to_prepare_the_dry_run_and_two_presses_start_one_job(
    client, staff, ward
):
    overseers(ward, 3)
    client.force_login(staff)

    before = client.get("/reminders/preview/").content.decode()
    first = client.post("/reminders/preview/prepare/")
    second = client.post("/reminders/preview/prepare/")

    assert "Prepare the dry run" in before and 'data-testid="preview-digest"' not in before
    job = Job.objects.get(kind="reminders_preview")
    assert first["Location"] == second["Location"] == f"/jobs/{job.pk}/"
    waiting = client.get("/reminders/preview/").content.decode()
    assert "Being prepared: see its progress" in waiting and f'href="/jobs/{job.pk}/"' in waiting

    assert jobs.run(job.pk) == "done"
    page = client.get("/reminders/preview/").content.decode()
    assert page.count('data-testid="preview-digest"') == 3
    assert "Ủy viên số 01" in page and "You oversee" in page
    assert "This dry run was prepared at" in page and "Prepare it again" in page
    assert Notification.objects.count() == 0  # a dry run writes no reminder
    ready = vi("The dry run is ready: %(count)d emails.", count=3)  # the worker writes it in Vietnamese
    assert ready in client.get(f"/jobs/{job.pk}/").content.decode()


def test_the_prepared_dry_run_pages_fifty_and_finds_a_recipient_or_a_cell(client, staff, ward):
    overseers(ward, 60)
    client.force_login(staff)
    prepare(client)

    first = client.get("/reminders/preview/").content.decode()
    second = client.get("/reminders/preview/?page=2").content.decode()
    by_name = client.get("/reminders/preview/?q=số 07").content.decode()
    by_cell = client.get(f"/reminders/preview/?q={ward.cell02.code}").content.decode()

    assert first.count('data-testid="preview-digest"') == 50
    assert second.count('data-testid="preview-digest"') == 10
    assert by_name.count('data-testid="preview-digest"') == 1 and "Ủy viên số 07" in by_name
    assert by_cell.count('data-testid="preview-digest"') == 50  # every overseer is a member of cell02


def test_preparing_again_keeps_only_the_newest_dry_run(client, staff, ward):
    overseers(ward, 2)
    client.force_login(staff)
    prepare(client)
    overseers(ward, 1)

    newest = prepare(client)

    assert client.get("/reminders/preview/").content.decode().count('data-testid="preview-digest"') == 3
    assert set(DryRunEmail.objects.values_list("job_id", flat=True)) == {newest.pk}


def test_a_leader_prepares_and_sees_only_their_committees_recipients(client, staff, leader, ward):
    overseers(ward, 2)
    elsewhere = make_committee()
    make_assignment(make_member(make_cell(elsewhere), full_name="Người phường khác"), make_cell(elsewhere))
    client.force_login(staff)
    prepare(client)
    client.force_login(leader)

    nothing_yet = client.get("/reminders/preview/").content.decode()
    prepare(client)
    page = client.get("/reminders/preview/").content.decode()

    assert 'data-testid="preview-digest"' not in nothing_yet  # the office's dry run is not the leader's
    assert page.count('data-testid="preview-digest"') == 2
    assert "Người phường khác" not in page
    assert "Người phường khác" not in client.get("/reminders/preview/?q=khác").content.decode()


@pytest.mark.parametrize(
    "query",
    ["page=-1", "page=99999999999999999999", "page=abc", "q=%25", "q=' OR 1=1 --", "q=" + "x" * 5000,
     "period=2026-13", "period=9999-12", "period=abc", "period=2026-11&page=2"],
)  # fmt: skip
def test_hostile_page_search_and_period_are_a_plain_answer(client, staff, ward, query):
    overseers(ward, 2)
    client.force_login(staff)
    prepare(client)

    assert client.get(f"/reminders/preview/?{query}").status_code == 200


def test_a_hostile_period_to_prepare_starts_nothing(client, staff, ward):
    client.force_login(staff)

    response = client.post("/reminders/preview/prepare/", {"period": "2026-13"})

    assert response.status_code == 302 and not Job.objects.exists()


def test_the_prepared_page_runs_the_same_queries_for_few_and_many_emails(client, staff, ward):
    client.force_login(staff)

    def queries(n: int) -> int:
        overseers(ward, n)
        prepare(client)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/reminders/preview/").status_code == 200
        return len(captured)

    assert queries(3) == queries(80)


def test_the_dry_run_command_still_prints_every_email(ward):
    from io import StringIO

    from django.core.management import call_command

    overseers(ward, 2)
    out = StringIO()

    call_command("send_reminders", "--dry-run", stdout=out)

    assert "oversight" in out.getvalue() and "Ủy viên số 01" in out.getvalue()
    assert "2 emails planned; nothing written or sent (dry run)." in out.getvalue()
