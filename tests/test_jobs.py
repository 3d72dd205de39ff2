"""Background jobs (phuthang.jobs) in one process: starting one per key, running it all or nothing, its
page and the staff's list. The real worker, its restarts and two presses at once: tests/integration/."""

from __future__ import annotations

import pytest
from django.db import connection

from phuthang import jobs
from phuthang.models import Job, JobFile, SubmitToken
from tests import job_kinds  # declares the test kinds (and is used below)
from tests.conftest import vi
from tests.factories import make_job


def test_starting_the_same_key_twice_gives_the_queued_job(leader, committee):
    first = jobs.start("test_tokens", key="same", by=leader, params={"n": 2}, committee_id=committee.pk)
    second = jobs.start("test_tokens", key="same", by=leader, params={"n": 2}, committee_id=committee.pk)

    assert second.pk == first.pk
    assert Job.objects.filter(kind="test_tokens", key="same").count() == 1


def test_a_finished_job_does_not_stop_the_same_button_from_starting_a_new_one(leader):
    first = jobs.start("test_tokens", key="again", by=leader, params={"n": 1})
    jobs.run(first.pk)
    second = jobs.start("test_tokens", key="again", by=leader, params={"n": 1})

    assert second.pk != first.pk
    assert second.state == Job.State.QUEUED


def test_an_unknown_kind_is_refused(leader):
    with pytest.raises(ValueError, match="unknown job kind"):
        jobs.start("no_such_kind", key="x", by=leader)


def test_a_run_applies_the_work_and_records_the_result(leader):
    job = jobs.start("test_tokens", key="run", by=leader, params={"n": 3})

    assert jobs.run(job.pk) == "done"
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert (job.done, job.total) == (3, 3)
    assert job.result["message"] == "3 tokens made."
    assert job.finished_at is not None
    assert SubmitToken.objects.filter(form="test_tokens", token__startswith=f"job{job.pk}-").count() == 3


def test_a_second_delivery_of_a_finished_job_does_nothing(leader):
    job = jobs.start("test_tokens", key="twice", by=leader, params={"n": 2})
    jobs.run(job.pk)

    assert jobs.run(job.pk) == "skipped"
    assert SubmitToken.objects.filter(token__startswith=f"job{job.pk}-").count() == 2


def test_a_refused_job_fails_with_its_message_and_applies_nothing(client, leader):
    job = jobs.start("test_invalid", key="refused", by=leader)

    assert jobs.run(job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.error == "Vòng kiểm điểm này đã có."
    assert not SubmitToken.objects.filter(form="test_invalid").exists()
    client.force_login(leader)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Vòng kiểm điểm này đã có." in page


def test_a_job_that_crashes_fails_with_a_plain_vietnamese_message(leader):
    job = jobs.start("test_crash", key="crash", by=leader)

    assert jobs.run(job.pk) == "failed"
    job.refresh_from_db()
    assert job.error == vi(
        "The job stopped on an unexpected error. The office has been told; please try again later."
    )


def test_a_live_job_page_asks_again_and_a_finished_one_stops(client, leader):
    job = make_job(leader, params={"n": 4}, done=1, total=4, state=Job.State.RUNNING)
    client.force_login(leader)

    live = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in live
    assert 'value="1" max="4"' in live
    assert "django_htmx/htmx-2" in live and "cdn" not in live.lower()

    Job.objects.filter(pk=job.pk).update(state=Job.State.DONE, result={"message": "Xong rồi.", "url": "/"})
    fragment = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "Xong rồi." in fragment
    assert "hx-trigger" not in fragment
    assert "<html" not in fragment  # only the status part is swapped in


def test_the_file_a_job_made_is_offered_and_downloads(client, leader):
    job = jobs.start("test_file", key="file", by=leader)
    jobs.run(job.pk)
    client.force_login(leader)

    page = client.get(f"/jobs/{job.pk}/").content.decode()
    response = client.get(f"/jobs/{job.pk}/file/")

    assert f"/jobs/{job.pk}/file/" in page
    assert response.status_code == 200
    assert response.content.decode() == "Báo cáo"
    assert "bao-cao.txt" in response["Content-Disposition"]
    assert JobFile.objects.get(job=job).size == len("Báo cáo".encode())


def test_the_job_page_is_for_its_starter_the_committees_leaders_and_staff(
    client, secretary, other_secretary, leader, staff, committee
):
    job = make_job(secretary, committee=committee)

    for user, status in [(secretary, 200), (leader, 200), (staff, 200), (other_secretary, 404)]:
        client.force_login(user)
        assert client.get(f"/jobs/{job.pk}/").status_code == status, user.username


def test_progress_is_written_on_its_own_connection(transactional_db, leader):
    """The page reads the row while the work's transaction is open: the progress must be committed."""
    job = jobs.start("test_tokens", key="seen", by=leader, params={"n": 2})
    seen: list[tuple[int, int | None]] = []
    original = job_kinds.SubmitToken.objects.create

    def spy(**fields):
        side = jobs._side_connection()
        try:
            with side.cursor() as cursor:
                cursor.execute("SELECT state, done, total FROM phuthang_job WHERE id = %s", [job.pk])
                seen.append(cursor.fetchone())
        finally:
            side.close()
        return original(**fields)

    job_kinds.SubmitToken.objects.create = spy  # type: ignore[method-assign]
    try:
        jobs.run(job.pk)
    finally:
        job_kinds.SubmitToken.objects.create = original  # type: ignore[method-assign]

    assert seen[0] == ("running", 0, 2)
    assert connection.in_atomic_block is False
    assert Job.objects.get(pk=job.pk).state == Job.State.DONE


@pytest.mark.parametrize("n", [3, 60])
def test_the_jobs_list_runs_the_same_queries_however_many_jobs(client, staff, n, django_assert_num_queries):
    for _ in range(n):
        make_job(staff)
    client.force_login(staff)
    # session, user, access (member), the paginator's count, the page of jobs with who started them
    with django_assert_num_queries(5):
        response = client.get("/jobs/")
    assert response.status_code == 200
    assert len(response.context["page"]) == min(n, 50)


def test_the_jobs_list_is_for_staff_only(client, leader):
    client.force_login(leader)
    assert client.get("/jobs/").status_code == 404
