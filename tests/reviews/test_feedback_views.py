"""The register's pages: recording a letter, the steps posted from an item's page, scans, the reply."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from docx import Document

from phuthang import periods
from reviews.models import FeedbackAttachment, FeedbackItem, FeedbackView
from reviews.services import feedback as services
from tests.conftest import once, vi
from tests.factories import make_feedback

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


def _letter(ward, **overrides):
    data = {
        "committee": ward.committee.pk,
        "received_on": periods.today().isoformat(),
        "channel": "letter",
        "postmark_on": (periods.today() - dt.timedelta(days=2)).isoformat(),
        "kind": "denunciation",
        "sender_name": "Trần Văn Tố",
        "sender_address": "Tổ dân phố 1",
        "content": "Đồng chí dùng xe công vào việc riêng.",
        "concerns": "member",
        "concerned_member": ward.members01[0].pk,
    }
    return once({**data, **overrides})


def test_office_staff_record_a_letter_about_a_member_once_however_often_it_is_sent(client, ward, staff):
    client.force_login(staff)
    data = _letter(ward)
    first = client.post("/feedback/new/", data)
    second = client.post("/feedback/new/", data)
    item = FeedbackItem.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/feedback/{item.pk}/"
    assert (item.concerned_member, item.created_by, item.status) == (ward.members01[0], staff, "received")
    assert item.postmark_on == periods.today() - dt.timedelta(days=2)


def test_a_letter_dated_tomorrow_is_refused_in_vietnamese_and_nothing_is_saved(client, ward, staff):
    client.force_login(staff)
    tomorrow = periods.today() + dt.timedelta(days=1)
    response = client.post("/feedback/new/", _letter(ward, received_on=tomorrow.isoformat(), postmark_on=""))
    assert response.status_code == 200
    assert (
        escape(vi("%(what)s cannot be in the future.", what=vi("The day received")))
        in response.content.decode()
    )
    assert not FeedbackItem.objects.exists()


def test_a_leader_may_read_the_register_but_not_record_in_it(client, ward, leader):
    client.force_login(leader)
    assert client.get("/feedback/new/").status_code == 403


def test_extending_twice_from_the_page_is_refused_with_a_message(client, ward, inspector):
    item = make_feedback(
        ward.committee, concerned_member=ward.members01[0], status="accepted", jurisdiction="ubkt"
    )
    client.force_login(inspector)
    client.post(
        f"/feedback/{item.pk}/step/", {"action": "extend", "version": 1, "days": 20, "text": "Cần xác minh"}
    )
    item.refresh_from_db()
    assert item.extension_days == 20
    response = client.post(
        f"/feedback/{item.pk}/step/",
        {"action": "extend", "version": item.version, "days": 5, "text": "Lần hai"},
        follow=True,
    )
    assert (
        escape(
            vi(
                "The deadline was already extended once (on %(day)s); it cannot be extended again.",
                day=periods.today().strftime("%d/%m/%Y"),
            )
        )
        in response.content.decode()
    )
    item.refresh_from_db()
    assert item.extension_days == 20


def test_a_wrong_type_scan_is_refused_and_a_good_one_is_served_only_as_a_download(
    client, ward, inspector, other_secretary
):
    item = make_feedback(
        ward.committee, concerned_member=ward.members01[0], status="accepted", jurisdiction="ubkt"
    )
    client.force_login(inspector)
    page = SimpleUploadedFile(
        "don.pdf", b"<html><body>not a scan</body></html>", content_type="application/pdf"
    )
    response = client.post(f"/feedback/{item.pk}/attach/", {"file": page}, follow=True)
    assert escape(vi("Only a scan as PDF, JPEG or PNG can be attached; this file is none of them.")) in (
        response.content.decode()
    )
    assert not FeedbackAttachment.objects.exists()
    client.post(f"/feedback/{item.pk}/attach/", {"file": SimpleUploadedFile("đơn.html", PDF)})
    scan = FeedbackAttachment.objects.get()
    download = client.get(f"/feedback/scans/{scan.pk}/")
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert FeedbackView.objects.filter(item=item, user=inspector, how="attachment").exists()
    client.force_login(other_secretary)
    assert client.get(f"/feedback/scans/{scan.pk}/").status_code == 404


def test_the_handler_downloads_the_written_reply_in_the_official_layout(client, ward, inspector):
    item = make_feedback(
        ward.committee,
        concerned_member=ward.members01[0],
        status="concluded",
        conclusion="Nội dung tố cáo là đúng một phần.",
        concluded_on=periods.today(),
        handler=inspector,
    )
    client.force_login(inspector)
    response = client.get(f"/feedback/{item.pk}/reply.docx")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    tables = " ".join(
        c.text for t in Document(io.BytesIO(response.content)).tables for r in t.rows for c in r.cells
    )
    assert "Trần Văn Tố" in text and "Nội dung tố cáo là đúng một phần." in text
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in tables and "T/M ĐẢNG ỦY" in tables


def test_staff_who_may_not_read_the_denouncer_cannot_download_the_reply_naming_them(client, ward, staff):
    item = make_feedback(
        ward.committee,
        concerned_member=ward.members01[0],
        status="concluded",
        conclusion="Đúng",
        concluded_on=periods.today(),
    )
    client.force_login(staff)
    assert client.get(f"/feedback/{item.pk}/reply.docx").status_code == 403


def test_ubkt_concludes_and_raises_the_shortcoming_that_links_back(client, ward, inspector, secretary):
    item = make_feedback(
        ward.committee, concerned_member=ward.members01[0], status="accepted", jurisdiction="ubkt"
    )
    client.force_login(inspector)
    client.post(
        f"/feedback/{item.pk}/conclude/",
        {
            "version": 1,
            "conclusion": "Có vi phạm",
            "finds_fault": "on",
            "concluded_on": periods.today().isoformat(),
        },
    )
    item.refresh_from_db()
    assert item.status == "concluded"
    due = (periods.today() + dt.timedelta(days=60)).isoformat()
    response = client.post(
        f"/feedback/{item.pk}/shortcoming/",
        once(version=item.version, description="Dùng xe công", plan="Kiểm điểm", due_on=due, owner=""),
    )
    item.refresh_from_db()
    assert response["Location"] == f"/shortcomings/{item.shortcoming_id}/"
    client.force_login(secretary)
    page = client.get(f"/shortcomings/{item.shortcoming_id}/").content.decode()
    assert f'href="/feedback/{item.pk}/"' in page and "Trần Văn Tố" not in page


@pytest.mark.parametrize("n", [3, 30])
def test_the_register_runs_the_same_queries_however_many_items(
    client, ward, staff, n, django_assert_num_queries
):
    for _ in range(n):
        make_feedback(ward.committee, concerned_member=ward.members01[0])
    client.force_login(staff)
    # session, user, access (member), paginator count, the page's items with committee, member, cell and
    # handler, the log of the items shown (one insert)
    with django_assert_num_queries(6):
        response = client.get("/feedback/")
    assert response.status_code == 200
    assert services.SENDER_KEPT_SECRET  # staff read the secret phrase, not the name
    assert escape(vi("The denouncer's identity is kept secret")) in response.content.decode()
