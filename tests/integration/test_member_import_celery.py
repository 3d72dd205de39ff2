"""A large member list imported by a real Celery worker, through phuthang.jobs (issue 14)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from kombu import Connection

from cells.models import Member, MemberImport
from phuthang import jobs, tasks
from phuthang.models import Job
from tests.conftest import once
from tests.factories import make_cell, make_committee, make_user
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.integration

HEADER = "Họ và tên,Giới tính,Ngày sinh,Số thẻ đảng viên,Chi bộ (mã hoặc tên)"


def test_a_large_file_is_imported_by_the_worker_all_at_once(machinery, monkeypatch, settings):
    def enqueue(job_id: int) -> None:
        with Connection(machinery.broker_url) as broker:
            tasks.run_job.apply_async((job_id,), queue=machinery.queue, connection=broker, retry=False)

    monkeypatch.setattr(jobs, "enqueue", enqueue)
    settings.MEMBER_IMPORT_BACKGROUND_ROWS = 100
    machinery.start_worker()
    committee = make_committee()
    make_cell(committee, code="NEN01")
    staff = make_user("vanphong", is_staff=True)
    rows = [f"Người Nền {i},Nam,01/01/1970,60.{i:06d},NEN01" for i in range(600)]
    client = Client()
    client.force_login(staff)
    content = ("\n".join([HEADER, *rows]) + "\n").encode()
    client.post(
        "/members/import/",
        once(scope=f"committee:{committee.pk}", file=SimpleUploadedFile("lon.csv", content)),
    )
    upload = MemberImport.objects.get()
    response = client.post(f"/members/imports/{upload.pk}/confirm/")
    job = Job.objects.get(kind="registry_import")
    assert response["Location"] == job.get_absolute_url()
    wait_until(lambda: Job.objects.get(pk=job.pk).state == Job.State.DONE, timeout=60)
    assert Member.objects.filter(cell__committee=committee).count() == 600
    assert Job.objects.get(pk=job.pk).result["created"] == 600
