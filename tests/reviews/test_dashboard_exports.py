"""The dashboards' tables as XLSX: every row in sight (not one page), the same sight as the page, the values
of a direct count over the records, a fixed number of queries, a job above the board's threshold."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.utils import translation
from openpyxl import load_workbook

from cells.models import Cell, OversightAssignment, Role
from phuthang import jobs, periods
from phuthang.models import Job
from reviews.models import Attendance, Meeting
from reviews.services import dashboard as dashboard_services
from tests.conftest import vi
from tests.factories import make_assignment, make_cell, make_committee, make_meeting, make_member, make_person
from tests.reviews.test_dashboard_views import (  # noqa: F401  (march, province: fixtures)
    MONTH,
    _excused,
    march,
    province,
)

pytestmark = pytest.mark.django_db

APRIL_2 = dt.datetime(2026, 4, 2, 12, 0)  # March is over; the pages show May 2025 to April 2026
MONTHS = [periods.add_months(dt.date(2026, 4, 1), -n) for n in range(11, -1, -1)]


def _sheet(response: Any) -> Any:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


def _meeting_minutes() -> str:
    with translation.override("vi"):
        return translation.pgettext("of a meeting", "Minutes")


def _header(sheet: Any) -> list[Any]:
    return [c.value for c in sheet[3]]


def _rows(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(min_row=4, values_only=True))  # below the title, the filters and the header


def _texts_are_strings(sheet: Any) -> None:
    for row in sheet.iter_rows(min_row=4):
        for cell in row[1:]:
            assert cell.value is None or isinstance(cell.value, (str, int)), cell.value
            if isinstance(cell.value, str):
                assert cell.data_type == "s"


@pytest.fixture
def elsewhere(db):
    """A cell of another ward with a meeting and an assignment in March: out of the ward's people's sight."""
    cell = make_cell(make_committee(), code="ZZ01", name="Chi bộ phường khác")
    overseer = make_member(cell, full_name="Người Phường Khác")
    make_member(cell)
    make_assignment(overseer, cell, MONTH)
    with time_machine.travel(dt.datetime(2026, 3, 20, 12, 0), tick=False):
        make_meeting(cell, month=MONTH)
    return cell


# --- The cells × months grid


@pytest.mark.usefixtures("march")
def test_the_grid_export_lists_every_cell_in_sight_with_each_months_state_attendance_and_verdict(
    client, leader, ward, elsewhere, monkeypatch
):
    monkeypatch.setattr(dashboard_services, "GRID_CELLS_PER_PAGE", 1)  # the page shows one cell
    with time_machine.travel(APRIL_2, tick=False):
        client.force_login(leader)
        page = client.get("/dashboard/cells/")
        sheet = _sheet(client.get("/dashboard/cells/export.xlsx"))
    assert len(page.context["grid"].rows) == 1
    assert 'href="/dashboard/cells/export.xlsx"' in page.content.decode()

    in_sight = Cell.objects.filter(committee=ward.committee, active=True).order_by("code")
    rows = _rows(sheet)
    assert [r[1] for r in rows] == [c.code for c in in_sight] == ["CB01", "CB02", "CB09"]  # not ZZ01
    assert [r[2] for r in rows] == [c.name for c in in_sight]
    header = _header(sheet)
    assert header[:3] == ["STT", vi("Code"), vi("Cell")] and len(header) == 3 + 4 * 12
    at = 3 + 4 * MONTHS.index(MONTH)  # March's four columns
    assert header[at : at + 4] == [
        vi("%(month)s minutes", month="03/2026"),
        vi("%(month)s attendance %%", month="03/2026"),
        vi("%(month)s thematic", month="03/2026"),
        vi("%(month)s overseer's verdict", month="03/2026"),
    ]
    by_code = {r[1]: r for r in rows}
    one = Meeting.objects.get(cell=ward.cell01, month=MONTH)
    assert by_code["CB01"][at : at + 4] == (
        vi("Finalised"), round(one.present_count * 100 / one.expected_count), None, vi("Partly meets them"),
    ) == (vi("Finalised"), 50, None, vi("Partly meets them"))  # fmt: skip
    two = Meeting.objects.get(cell=ward.cell02, month=MONTH)
    assert by_code["CB02"][at : at + 2] == (vi("Draft"), round(two.present_count * 100 / two.expected_count))
    assert by_code["CB09"][at : at + 4] == (vi("Not held"), None, None, None)
    about = sheet.cell(row=2, column=1).value
    assert "05/2025" in about and "04/2026" in about
    assert sheet.cell(row=1, column=1).value == vi("CELLS' REGULAR MEETINGS MONTH BY MONTH")
    _texts_are_strings(sheet)


@pytest.mark.usefixtures("march")
def test_office_staff_export_every_cell_and_a_secretary_or_member_gets_404(
    client, ward, staff, secretary, member, overseer, elsewhere
):
    with time_machine.travel(APRIL_2, tick=False):
        for outside in (secretary, member, overseer):
            client.force_login(outside)
            assert client.get("/dashboard/cells/export.xlsx").status_code == 404
        client.force_login(staff)
        rows = _rows(_sheet(client.get("/dashboard/cells/export.xlsx")))
    assert [r[1] for r in rows] == list(
        Cell.objects.filter(active=True).order_by("code").values_list("code", flat=True)
    )
    assert "ZZ01" in [r[1] for r in rows]


def _cells(ward, overseer, n: int) -> None:
    for number in range(n - 2):
        cell = make_cell(ward.committee, code=f"X{number:02d}")
        make_member(cell)
        make_meeting(cell)
        make_assignment(overseer.member, cell)


@pytest.mark.parametrize("n", [2, 50])
def test_the_grid_and_the_coverage_exports_run_the_same_queries_for_2_and_50_cells(
    client, leader, overseer, ward, n, django_assert_num_queries
):
    _cells(ward, overseer, n)
    client.force_login(leader)
    # session, user, access (member, positions, assignments, committee tree), the cells' count (in the request
    # or a job?), the cells with their 12 months' counts gathered in one query
    with django_assert_num_queries(8):
        grid = _sheet(client.get("/dashboard/cells/export.xlsx"))
    assert len(_rows(grid)) == n
    # session, user, access (4), the assignments' count, the assignments with their cells' counts
    with django_assert_num_queries(8):
        coverage = _sheet(client.get("/dashboard/oversight/export.xlsx"))
    assert len(_rows(coverage)) == n - 1  # the overseer's: cell01 and the new cells


@pytest.mark.usefixtures("march")
def test_a_province_grid_is_written_by_a_job_and_downloaded_from_its_page(client, leader, ward, monkeypatch):
    monkeypatch.setattr(jobs, "IN_REQUEST_ROWS", 2)  # a province's 5,280 cells
    with time_machine.travel(APRIL_2, tick=False):
        client.force_login(leader)
        response = client.get("/dashboard/cells/export.xlsx")
        job = Job.objects.get(kind="dashboard_grid_export")
        assert response["Location"] == f"/jobs/{job.pk}/"
        assert jobs.run(job.pk) == "done"
        assert vi("The sheet of %(count)d rows is ready.", count=3) in client.get(f"/jobs/{job.pk}/").text
        rows = _rows(_sheet(client.get(f"/jobs/{job.pk}/file/")))
        assert [r[1] for r in rows] == ["CB01", "CB02", "CB09"]
        at = 3 + 4 * MONTHS.index(MONTH)
        assert rows[0][at] == vi("Finalised")  # the months of the day it was asked


# --- The oversight coverage


@pytest.mark.usefixtures("march")
def test_the_coverage_export_lists_each_assignment_with_what_the_overseer_did(
    client, leader, ward, elsewhere
):
    with time_machine.travel(APRIL_2, tick=False):
        client.force_login(leader)
        page = client.get("/dashboard/oversight/").content.decode()
        sheet = _sheet(client.get("/dashboard/oversight/export.xlsx"))
    assert 'href="/dashboard/oversight/export.xlsx"' in page
    assert _header(sheet) == [
        "STT",
        vi("Committee member"),
        vi("Month"),
        vi("Code"),
        vi("Cell assigned"),
        _meeting_minutes(),
        vi("The overseer attended"),
        vi("Scored"),
        vi("Overseer's verdict"),
    ]
    rows = _rows(sheet)
    assigned = OversightAssignment.objects.filter(month__in=MONTHS, cell__committee=ward.committee)
    assert len(rows) == assigned.count() == 3  # not the other ward's
    yes, no = vi("yes"), vi("no")
    assert [r[1:] for r in rows] == [
        (
            "Bùi Quốc Phụ",
            "03/2026",
            "CB01",
            ward.cell01.name,
            vi("Finalised"),
            yes,
            yes,
            vi("Partly meets them"),
        ),
        ("Bùi Quốc Phụ", "03/2026", "CB02", ward.cell02.name, vi("Draft"), no, no, None),
        ("Bùi Quốc Phụ", "03/2026", "CB09", "Chi bộ Tổ dân phố 9", vi("Not held"), no, no, None),
    ]
    _texts_are_strings(sheet)


@pytest.mark.usefixtures("march")
def test_the_coverage_export_is_404_outside_the_committee_and_whole_for_the_office(
    client, ward, staff, secretary, overseer, elsewhere
):
    with time_machine.travel(APRIL_2, tick=False):
        for outside in (secretary, overseer):
            client.force_login(outside)
            assert client.get("/dashboard/oversight/export.xlsx").status_code == 404
        client.force_login(staff)
        rows = _rows(_sheet(client.get("/dashboard/oversight/export.xlsx")))
    assert len(rows) == OversightAssignment.objects.filter(month__in=MONTHS).count() == 4
    assert "Người Phường Khác" in [r[1] for r in rows]


@pytest.mark.usefixtures("march")
def test_a_province_coverage_is_written_by_a_job(client, leader, ward, monkeypatch):
    monkeypatch.setattr(jobs, "IN_REQUEST_ROWS", 2)
    with time_machine.travel(APRIL_2, tick=False):
        client.force_login(leader)
        response = client.get("/dashboard/oversight/export.xlsx")
        job = Job.objects.get(kind="dashboard_oversight_export")
        assert response["Location"] == f"/jobs/{job.pk}/"
        assert jobs.run(job.pk) == "done"
        rows = _rows(_sheet(client.get(f"/jobs/{job.pk}/file/")))
        assert [r[3] for r in rows] == ["CB01", "CB02", "CB09"]


# --- A cell's attendance grid


def test_the_cell_attendance_export_names_each_members_marks_absences_and_streak(
    client, ward, secretary, after_this_months_meeting
):
    chinh = ward.members01[0]
    for months_ago in range(1, 5):  # excused at the four latest meetings, none yet this month
        _excused(ward.cell01, chinh, months_ago)
    client.force_login(secretary)
    page = client.get(f"/dashboard/cell/{ward.cell01.pk}/")
    sheet = _sheet(client.get(f"/dashboard/cell/{ward.cell01.pk}/attendance.xlsx"))
    assert f'href="/dashboard/cell/{ward.cell01.pk}/attendance.xlsx"' in page.content.decode()

    months = [periods.add_months(periods.month_start(), -n) for n in range(11, -1, -1)]
    header = _header(sheet)
    assert header[2:14] == [f"{m:%m/%Y}" for m in months]
    assert header[14:] == [
        vi("Absent with excuse"),
        vi("Absent without excuse"),
        vi("Excused in a row"),
        vi("More than %(max)d in a row", max=3),
    ]
    rows = _rows(sheet)
    assert [r[1] for r in rows] == [
        r.member.full_name for r in page.context["board"].grid
    ]  # the page's members
    assert "Lê Văn Miễn" not in [r[1] for r in rows]  # exempt
    mine = next(r for r in rows if r[1] == chinh.full_name)
    excused = Attendance.objects.filter(member=chinh, status="excused", meeting__kind="regular").count()
    assert mine[2:14] == (None,) * 7 + (vi("Absent with excuse"),) * 4 + (None,)
    assert mine[14:] == (excused, 0, 4, vi("yes")) == (4, 0, 4, vi("yes"))
    present = next(r for r in rows if r[1] == secretary.member.full_name)  # present at those meetings
    assert present[9:13] == (vi("Present"),) * 4 and present[14:] == (0, 0, 0, None)
    assert ward.cell01.name in sheet.cell(row=1, column=1).value
    _texts_are_strings(sheet)


def test_another_cells_secretary_gets_404_on_the_attendance_export_and_the_overseer_gets_it(
    client, ward, other_secretary, overseer, member
):
    for outside in (other_secretary, member):
        client.force_login(outside)
        assert client.get(f"/dashboard/cell/{ward.cell01.pk}/attendance.xlsx").status_code == 404
    client.force_login(overseer)  # assigned to cell01 this month
    rows = _rows(_sheet(client.get(f"/dashboard/cell/{ward.cell01.pk}/attendance.xlsx")))
    assert len(rows) == len(
        [m for m in ward.cell01.members.current(periods.today()) if not m.is_exempt(periods.today())]
    )


@pytest.mark.parametrize("n", [3, 40])
def test_the_attendance_export_runs_the_same_queries_for_3_and_40_members(
    client, ward, secretary, n, django_assert_num_queries
):
    for _ in range(n - 3):
        make_member(ward.cell01)
    for months_ago in range(3):
        make_meeting(ward.cell01, month=periods.add_months(periods.month_start(), -months_ago - 1))
    client.force_login(secretary)
    # session, user, access (member, positions, assignments, committee tree), the cell, its members, the rule,
    # the 12 months' attendance
    with django_assert_num_queries(10):
        rows = _rows(_sheet(client.get(f"/dashboard/cell/{ward.cell01.pk}/attendance.xlsx")))
    assert len(rows) == n


# --- The cells needing help


@pytest.mark.usefixtures("march")
def test_the_needing_help_export_lists_every_cell_needing_help_not_only_those_shown(
    client, leader, ward, elsewhere, monkeypatch
):
    monkeypatch.setattr(dashboard_services, "NEEDING_HELP_SHOWN", 2)  # the home shows 2
    with time_machine.travel(APRIL_2, tick=False):
        client.force_login(leader)
        page = client.get("/dashboard/?month=2026-03")
        sheet = _sheet(client.get("/dashboard/needing-help.xlsx?month=2026-03"))
        everyone = dashboard_services.committee_glance(leader, MONTH, shown=None).needing_help
    glance = page.context["glance"]
    assert len(glance.needing_help) == 2 and glance.needing_help_total == 3
    assert 'href="/dashboard/needing-help.xlsx?month=2026-03"' in page.content.decode()
    assert _header(sheet) == ["STT", vi("Code"), vi("Cell"), vi("Why it needs help")]
    rows = _rows(sheet)
    in_sight = Cell.objects.filter(committee=ward.committee, active=True).count()
    assert len(rows) == glance.needing_help_total == in_sight == 3  # every cell of the ward; not ZZ01
    assert [r[1] for r in rows] == [h.cell.code for h in everyone]  # ranked as the page ranks them
    assert [r[1] for r in rows[:2]] == [h.cell.code for h in glance.needing_help]
    by_code = {r[1]: r[3].split("\n") for r in rows}
    assert vi("Minutes still a draft after the month ended") in by_code["CB02"]
    assert vi("No minutes for the month") in by_code["CB09"]
    assert vi("Attendance %(share)d%%, below the rule's %(rule)d%%", share=50, rule=85) in by_code["CB01"]
    assert "03/2026" in sheet.cell(row=1, column=1).value and "03/2026" in sheet.cell(row=2, column=1).value
    _texts_are_strings(sheet)


def test_the_needing_help_export_of_a_sub_committee_holds_its_cells_only_and_a_ward_leader_not_the_province(
    client, request
):
    tree = request.getfixturevalue("province")  # of the committee dashboard's tests
    an, binh = tree["wards"]
    client.force_login(tree["leader"])
    with time_machine.travel(APRIL_2, tick=False):
        page = client.get(f"/dashboard/?month=2026-03&committee={an.pk}")
        sheet = _sheet(client.get(f"/dashboard/needing-help.xlsx?month=2026-03&committee={an.pk}"))
        whole = _rows(_sheet(client.get("/dashboard/needing-help.xlsx?month=2026-03")))
    assert f"/dashboard/needing-help.xlsx?month=2026-03&amp;committee={an.pk}" in page.content.decode()
    rows = _rows(sheet)
    assert [r[1] for r in rows] == [h.cell.code for h in page.context["glance"].needing_help]
    assert {r[1] for r in rows} <= {c.code for c in tree["cells"][an.pk]} and rows
    assert len(whole) > len(rows)  # the province's own export holds the other ward's cells too
    assert an.name in sheet.cell(row=2, column=1).value
    ward_leader = make_person(tree["cells"][an.pk][0], Role.SECRETARY)
    client.force_login(ward_leader)
    for committee in (tree["top"].pk, binh.pk, 999999999):
        assert client.get(f"/dashboard/needing-help.xlsx?committee={committee}").status_code == 404


def test_the_needing_help_export_is_404_to_a_secretary_and_an_overseer(client, ward, secretary, overseer):
    for outside in (secretary, overseer):
        client.force_login(outside)
        assert client.get("/dashboard/needing-help.xlsx").status_code == 404


@pytest.mark.parametrize("n", [2, 50])
def test_the_needing_help_export_runs_the_same_queries_for_2_and_50_cells(
    client, leader, ward, n, django_assert_num_queries
):
    for number in range(n - 2):
        make_meeting(make_cell(ward.committee, code=f"X{number:02d}"))
    client.force_login(leader)
    # session, user, access (4), the cells' count (in the request or a job?); then the glance: the cells'
    # committees, the quality rule, the year's pledge campaigns (none here), and one statement for the
    # figures and the ranked cells
    with django_assert_num_queries(11):
        rows = _rows(_sheet(client.get("/dashboard/needing-help.xlsx")))
    assert len(rows) == len(
        dashboard_services.committee_glance(leader, periods.month_start(), shown=None).needing_help
    )


@pytest.mark.usefixtures("march")
def test_a_province_needing_help_list_is_written_by_a_job(client, leader, ward, monkeypatch):
    monkeypatch.setattr(jobs, "IN_REQUEST_ROWS", 2)
    with time_machine.travel(APRIL_2, tick=False):
        client.force_login(leader)
        response = client.get("/dashboard/needing-help.xlsx?month=2026-03")
        job = Job.objects.get(kind="needing_help_export")
        assert response["Location"] == f"/jobs/{job.pk}/"
        assert jobs.run(job.pk) == "done"
        assert vi("The sheet of %(count)d rows is ready.", count=3) in client.get(f"/jobs/{job.pk}/").text
        rows = _rows(_sheet(client.get(f"/jobs/{job.pk}/file/")))
        assert {r[1] for r in rows} == {"CB01", "CB02", "CB09"}
        assert vi("No minutes for the month") in {r[1]: r[3] for r in rows}["CB09"]


def test_a_formula_looking_cell_name_is_exported_as_its_text(client, leader, ward):
    Cell.objects.filter(pk=ward.cell02.pk).update(name='=HYPERLINK("http://evil.example","x")')
    client.force_login(leader)
    sheet = _sheet(client.get("/dashboard/cells/export.xlsx"))
    name = next(row[2] for row in sheet.iter_rows(min_row=4) if row[1].value == "CB02")
    assert name.value.startswith("=HYPERLINK") and name.data_type == "s" and name.quotePrefix
