"""A province's reminder dry run prepared by a real Celery worker (reviews.jobs.reminders_preview)."""

from __future__ import annotations

import pytest
from django.test import Client
from kombu import Connection

from phuthang import jobs, tasks
from phuthang.models import Job
from reviews.models import Rule
from reviews.services import reminders
from tests.factories import make_assignment, make_cells, make_committee, make_member, make_user
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.integration


def test_pressing_prepare_has_the_worker_plan_the_dry_run_that_the_page_then_shows(machinery, monkeypatch):
    def enqueue(job_id: int) -> None:
        with Connection(machinery.broker_url) as broker:
            tasks.run_job.apply_async((job_id,), queue=machinery.queue, connection=broker, retry=False)

    monkeypatch.setattr(jobs, "enqueue", enqueue)
    monkeypatch.setattr(reminders, "PREVIEW_IN_REQUEST_CELLS", 0)  # any organisation is a province
    machinery.start_worker()
    Rule.objects.update_or_create(key="reminders.oversight.effective_from", defaults={"value": "2020-01-01"})
    cells = make_cells(3, make_committee())
    for i, cell in enumerate(cells):
        make_assignment(make_member(cells[0], full_name=f"Ủy viên số {i}"), cell)
    client = Client()
    client.force_login(make_user("vanphong", is_staff=True))

    response = client.post("/reminders/preview/prepare/")

    job = Job.objects.get(kind="reminders_preview")
    assert response["Location"] == job.get_absolute_url()
    wait_until(lambda: Job.objects.get(pk=job.pk).state == Job.State.DONE, timeout=60)
    assert Job.objects.get(pk=job.pk).result["emails"] == 3
    page = client.get("/reminders/preview/").content.decode()
    assert page.count('data-testid="preview-digest"') == 3 and "Ủy viên số 2" in page
