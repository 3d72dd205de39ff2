"""The committee dashboard: each figure equals a direct count over the records, with its denominator and a
link; the cells needing help say why in words; the queries do not grow with the cells."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db.models import Sum
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import escape

from cells.models import Cell, OversightAssignment, Role
from phuthang import periods
from reviews.models import Meeting, MeetingAssessment, Pledge, Shortcoming
from reviews.services import dashboard as dashboard_services
from reviews.services import meetings as meeting_services
from reviews.services import pledges
from tests.conftest import vi
from tests.factories import (
    make_assignment,
    make_campaign,
    make_cell,
    make_committee,
    make_meeting,
    make_member,
    make_person,
    make_pledge,
    make_shortcoming,
)

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 3, 1)


def _finalise(meeting: Meeting, ended: dt.time = dt.time(10, 0), **marks: str) -> Meeting:
    members = list(meeting.attendance.select_related("member").order_by("member__full_name"))
    meeting = meeting_services.save_meeting(
        meeting,
        version=meeting.version,
        by=None,
        changes=meeting_services.SheetChanges(
            fields={
                "ended_at": ended,
                "resolution": "Nghị quyết",
                "chair": members[0].member,
                "recorder": members[0].member,
            },
            marks={row.member_id: meeting_services.Mark(marks[str(n)], "Ốm") for n, row in enumerate(members)
                   if str(n) in marks},
        ),
    )  # fmt: skip
    return meeting_services.finalise_meeting(meeting, by=None)


@pytest.fixture
def march(ward, overseer):
    """In March 2026: cell01 finalised with one unexcused absence, cell02 a draft, a third cell nothing."""
    quiet = make_cell(ward.committee, name="Chi bộ Tổ dân phố 9", code="CB09", meeting_day=5)
    make_member(quiet)
    make_member(ward.cell01, full_name="Đỗ Văn Bốn")  # with Nguyễn Văn Chính, the two expected in March
    for cell in (ward.cell01, ward.cell02, quiet):
        make_assignment(overseer.member, cell, MONTH)
    with time_machine.travel(dt.datetime(2026, 3, 20, 12, 0), tick=False):
        one = _finalise(make_meeting(ward.cell01, month=MONTH), **{"1": "unexcused"})
        make_meeting(ward.cell02, month=MONTH)
        meeting_services.assess_meeting(
            one, overseer=overseer.member, version=0, attended=True, verdict=MeetingAssessment.Verdict.PARTLY
        )
    make_shortcoming(ward.cell01, due_on=dt.date(2026, 3, 10), raised_on=dt.date(2026, 3, 1))
    make_shortcoming(ward.cell01)
    return quiet


def _figures(page: str) -> str:
    return page.split(vi("Cells needing help"))[0]


def test_the_home_of_a_leader_and_of_the_ubkt_is_the_committee_dashboard(client, leader, inspector):
    for user in (leader, inspector):
        client.force_login(user)
        assert client.get("/").url == "/dashboard/"


def test_a_secretary_and_a_member_cannot_open_the_committee_dashboard(client, secretary, member):
    for user in (secretary, member):
        client.force_login(user)
        assert client.get("/dashboard/").status_code == 404


def test_each_figure_equals_a_direct_count_over_the_records(client, leader, ward, march):
    with time_machine.travel(dt.datetime(2026, 3, 25, 12, 0), tick=False):
        client.force_login(leader)
        response = client.get("/dashboard/?month=2026-03")
        figures = {f.label: f for f in response.context["glance"].figures}
    cells = Cell.objects.filter(committee=ward.committee, active=True).count()
    finalised = Meeting.objects.filter(month=MONTH, kind="regular", status="finalised")
    counts = finalised.aggregate(present=Sum("present_count"), expected=Sum("expected_count"))
    assigned = OversightAssignment.objects.filter(month=MONTH)
    active = Shortcoming.objects.filter(status__in=Shortcoming.ACTIVE)
    today = dt.date(2026, 3, 25)
    assert (figures[vi("Minutes finalised")].count, figures[vi("Minutes finalised")].of) == (
        finalised.count(), cells,
    ) == (1, 3)  # fmt: skip
    attendance = figures[vi("Attendance at the finalised meetings")]
    assert (attendance.count, attendance.of) == (counts["present"], counts["expected"]) == (1, 2)
    quality = figures[vi("Meetings meeting the quality criteria (HD 12)")]
    assert (quality.count, quality.of) == (0, 1)  # an unexcused absence
    attended = figures[vi("Overseers who attended")]
    assert (attended.count, attended.of) == (
        Meeting.objects.filter(month=MONTH, overseer_attended=True, cell__in=assigned.values("cell")).count(),
        assigned.count(),
    ) == (1, 3)  # fmt: skip
    scored = figures[vi("Overseers who scored their cells")]
    assert (scored.count, scored.of) == (MeetingAssessment.objects.filter(meeting__month=MONTH).count(), 3)
    assert figures[vi("Open shortcomings")].count == active.count() == 2
    overdue = figures[vi("Overdue shortcomings")]
    assert overdue.count == active.filter(due_on__lt=today).count() == 1
    assert overdue.url == "/shortcomings/?timeliness=overdue"
    page = response.content.decode()
    assert "1 / 3" in _figures(page) and "(50%)" in _figures(page)


def test_the_cells_needing_help_are_ranked_with_their_reasons_in_words(client, leader, ward, march):
    with time_machine.travel(dt.datetime(2026, 4, 2, 12, 0), tick=False):  # March is over
        client.force_login(leader)
        response = client.get("/dashboard/?month=2026-03")
    helped = response.context["glance"].needing_help
    by_code = {h.cell.code: h.reasons for h in helped}
    assert vi("Minutes still a draft after the month ended") in by_code["CB02"]
    assert vi("No minutes for the month") in by_code["CB09"]
    assert vi("The meeting did not meet the quality criteria") in by_code["CB01"]
    assert vi("Attendance %(share)d%%, below the rule's %(rule)d%%", share=50, rule=85) in by_code["CB01"]
    assert vi("No overseer at a meeting for 3 months") in by_code["CB09"]
    assert vi("No overseer at a meeting for 3 months") not in by_code["CB01"]
    assert escape(vi("No minutes for the month")) in response.content.decode()
    assert [h.weight for h in helped] == sorted((h.weight for h in helped), reverse=True)


def test_the_home_shows_the_worst_cells_needing_help_and_counts_the_rest(
    client, leader, ward, march, monkeypatch
):
    with time_machine.travel(dt.datetime(2026, 4, 2, 12, 0), tick=False):  # March is over
        client.force_login(leader)
        everyone = client.get("/dashboard/?month=2026-03").context["glance"].needing_help
        monkeypatch.setattr(dashboard_services, "NEEDING_HELP_SHOWN", 2)
        response = client.get("/dashboard/?month=2026-03")
    glance = response.context["glance"]
    assert len(everyone) > 2  # a province has thousands: the page must not list them all
    assert [h.cell.code for h in glance.needing_help] == [h.cell.code for h in everyone[:2]]
    assert glance.needing_help_total == len(everyone)
    page = response.content.decode()
    with translation.override("vi"):
        more = translation.ngettext(
            "%(counter)s cell needs help in all; the worst are above.",
            "%(counter)s cells need help in all; the worst are above.",
            len(everyone),
        ) % {"counter": len(everyone)}
    assert more in page
    assert 'href="/dashboard/cells/"' in page


def _excused(cell, member, months_ago: int):
    meeting = make_meeting(cell, month=periods.add_months(periods.month_start(), -months_ago))
    meeting_services.save_meeting(
        meeting,
        version=meeting.version,
        by=None,
        changes=meeting_services.SheetChanges(marks={member.pk: meeting_services.Mark("excused", "Ốm")}),
    )


def _streak_reason(n: int) -> str:
    with translation.override("vi"):
        text = translation.ngettext(
            "%(n)d member excused more than %(max)d times in a row",
            "%(n)d members excused more than %(max)d times in a row",
            n,
        )
    return text % {"n": n, "max": 3}


def test_an_excused_streak_over_the_rules_3_is_a_reason_a_cell_needs_help(client, leader, ward):
    chinh = ward.members01[0]
    for months_ago in range(1, 5):  # cell01: excused at its four latest meetings, none yet this month
        _excused(ward.cell01, chinh, months_ago)
    for months_ago in range(1, 4):  # cell02: three in a row, within the rule
        _excused(ward.cell02, ward.members02[0], months_ago)
    client.force_login(leader)
    response = client.get("/dashboard/")
    by_code = {h.cell.code: h.reasons for h in response.context["glance"].needing_help}
    assert _streak_reason(1) in by_code["CB01"]
    assert _streak_reason(1) not in by_code.get("CB02", [])
    assert escape(_streak_reason(1)) in response.content.decode()
    # present at this month's meeting: the streak is broken
    make_meeting(ward.cell01)  # everyone present by default
    by_code = {h.cell.code: h.reasons for h in client.get("/dashboard/").context["glance"].needing_help}
    assert _streak_reason(1) not in by_code.get("CB01", [])


def _campaign_2026(ward):
    """The ward's 2026 campaign, due on 31 March, with one pledge signed in cell01 (by Nguyễn Văn Chính)."""
    campaign = make_campaign(ward.committee, year=2026, due_on=dt.date(2026, 3, 31))
    make_pledge(ward.members01[0], campaign)
    return campaign


def _expected_in(committee, on, **cells):
    """Who must sign, counted here from the members directly: current on the day, not exempt, active cell."""
    from django.db.models import Q

    from cells.models import Member

    return (
        Member.objects.filter(cell__committee=committee, cell__active=True, **cells)
        .filter(Q(admitted_on__isnull=True) | Q(admitted_on__lte=on))
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=on))
        .filter(Q(cell_since__isnull=True) | Q(cell_since__lte=on))
        .exclude(exempt_since__lte=on)
        .count()
    )


def test_the_pledges_figure_is_signed_of_expected_and_links_to_the_campaign(client, leader, ward, march):
    campaign = _campaign_2026(ward)
    make_pledge(make_member(march), campaign)  # a member who joins and signs the same day
    today = dt.date(2026, 3, 25)
    with time_machine.travel(dt.datetime(2026, 3, 25, 12, 0), tick=False):
        client.force_login(leader)
        response = client.get("/dashboard/?month=2026-03")
    figure = response.context["glance"].figures[-1]
    assert figure.label == vi("Pledges signed (%(year)d)", year=2026)
    expected = _expected_in(ward.committee, today)
    assert (
        (figure.count, figure.of)
        == (Pledge.objects.filter(status="signed").count(), expected)
        == (2, expected)
    )
    assert expected > 2
    assert figure.url == f"/pledges/campaigns/{campaign.pk}/"
    assert f'href="/pledges/campaigns/{campaign.pk}/"' in _figures(response.content.decode())
    assert f"2 / {expected}" in _figures(response.content.decode())
    # before the due date, unsigned pledges are not yet a reason to help a cell
    reasons = [r for h in response.context["glance"].needing_help for r in h.reasons]
    assert _unsigned(1) not in reasons and len(reasons) > 0


def _unsigned(n: int) -> str:
    with translation.override("vi"):
        text = translation.ngettext(
            "%(n)d pledge unsigned after the due date", "%(n)d pledges unsigned after the due date", n
        )
    return text % {"n": n}


def test_unsigned_pledges_are_a_reason_after_the_due_date_with_their_count(client, leader, ward, march):
    _campaign_2026(ward)
    with time_machine.travel(dt.datetime(2026, 4, 2, 12, 0), tick=False):  # the due date has passed
        client.force_login(leader)
        response = client.get("/dashboard/?month=2026-03")
    by_code = {h.cell.code: h.reasons for h in response.context["glance"].needing_help}
    unsigned01 = _expected_in(ward.committee, dt.date(2026, 4, 2), cell=ward.cell01) - 1  # Chính signed
    assert unsigned01 >= 1  # Đỗ Văn Bốn among them; the exempt and the not yet admitted are not counted
    assert _unsigned(unsigned01) in by_code["CB01"]
    assert _unsigned(1) in by_code["CB09"]  # its one member has not signed
    assert escape(_unsigned(1)) in response.content.decode()


def test_without_a_campaign_the_pledges_figure_says_so(client, leader, ward, march):
    client.force_login(leader)
    response = client.get("/dashboard/")
    figure = response.context["glance"].figures[-1]
    assert (figure.of, figure.url) == (None, "/pledges/")
    assert escape(vi("No pledge campaign opened this year")) in response.content.decode()


@pytest.mark.parametrize("n", [2, 50])
def test_the_committee_dashboard_runs_the_same_queries_for_2_and_50_cells(
    client, leader, ward, n, django_assert_num_queries
):
    campaign = make_campaign(ward.committee)
    for number in range(n - 2):
        cell = make_cell(ward.committee, code=f"X{number:02d}")
        make_pledge(make_member(cell), campaign)
        make_meeting(cell)
        make_shortcoming(cell, due_on=periods.today() - dt.timedelta(days=1))
    for months_ago in range(1, 5):  # cell01 can have a long excused streak: its excused rows are read
        _excused(ward.cell01, ward.members01[0], months_ago)
    pledges.rebase_counts()  # as the hourly task does
    client.force_login(leader)
    client.get("/dashboard/")
    # session, user, access (member, positions, assignments, committee tree), the cells' committees, the
    # quality rule, the year's pledge campaigns, whether the campaign's kept counts are of the day, then one
    # statement for every cell's figures summed by committee and the cells needing help; the menu's inbox
    with django_assert_num_queries(12):
        response = client.get("/dashboard/")
    assert response.context["glance"].cells == n
    assert (
        _streak_reason(1) in {h.cell.code: h.reasons for h in response.context["glance"].needing_help}["CB01"]
    )


# --- The overseer's home


def test_the_overseers_home_names_each_cells_meeting_state_and_its_action(
    client, ward, overseer, after_this_months_meeting
):
    this = periods.month_start()
    last = periods.add_months(this, -1)
    scored = make_cell(ward.committee, name="Chi bộ Đã chấm", code="CB07")
    draft = make_cell(ward.committee, name="Chi bộ Đang viết", code="CB08")
    for cell in (ward.cell02, scored, draft):
        make_member(cell)
        make_assignment(overseer.member, cell)
    old = make_cell(ward.committee, name="Chi bộ Tháng trước", code="CB06")
    make_assignment(overseer.member, old, last)
    finalised = _finalise(make_meeting(ward.cell02))
    done = _finalise(make_meeting(scored))
    meeting_services.assess_meeting(done, overseer=overseer.member, version=0, attended=True, verdict="meets")
    writing = make_meeting(draft)
    client.force_login(overseer)
    response = client.get("/dashboard/overseer/")
    page = response.content.decode()
    this_month, last_month = page.split('data-testid="last-month"')
    assert {r.cell.code: r.state for r in response.context["this_month"]} == {
        "CB01": "none", "CB02": "finalised", "CB07": "scored", "CB08": "draft",
    }  # fmt: skip
    assert [r.cell.code for r in response.context["last_month"]] == ["CB06"]
    assert "Chi bộ Tháng trước" in last_month and "Chi bộ Tháng trước" not in this_month
    assert f'href="/meetings/{finalised.pk}/assess/"' in this_month
    assert escape(vi("Finalised, not scored yet")) in this_month
    assert escape(vi("Scored by me")) in this_month
    assert f'href="/meetings/{writing.pk}/assess/"' in this_month
    assert escape(vi("Not held yet")) in this_month


@pytest.mark.parametrize("n", [2, 20])
def test_the_overseers_home_runs_the_same_queries_for_2_and_20_cells(
    client, ward, overseer, n, django_assert_num_queries
):
    for number in range(n - 1):
        cell = make_cell(ward.committee, code=f"X{number:02d}")
        make_assignment(overseer.member, cell)
        make_meeting(cell)
    client.force_login(overseer)
    client.get("/dashboard/overseer/")
    # session, user, access (member, positions, assignments, committee tree), the two months' assignments
    # with their cells, their counts, the menu's inbox
    with django_assert_num_queries(9):
        response = client.get("/dashboard/overseer/")
    assert len(response.context["this_month"]) == n


# --- The secretary's cell dashboard


def test_the_cell_dashboard_names_this_months_action_the_due_meeting_and_the_attendance_streaks(
    client, ward, secretary, after_this_months_meeting
):
    chinh = ward.members01[0]
    for n in range(1, 5):  # excused four months in a row, up to last month
        month = periods.add_months(periods.month_start(), -n)
        meeting = make_meeting(ward.cell01, month=month)
        meeting_services.save_meeting(
            meeting,
            version=meeting.version,
            by=None,
            changes=meeting_services.SheetChanges(marks={chinh.pk: meeting_services.Mark("excused", "Ốm")}),
        )
    make_shortcoming(ward.cell01, due_on=periods.today() - dt.timedelta(days=1))
    client.force_login(secretary)
    response = client.get(f"/dashboard/cell/{ward.cell01.pk}/")
    board = response.context["board"]
    assert (board.state, board.action_url) == ("none", f"/meetings/cell/{ward.cell01.pk}/new/")
    assert board.due_on == periods.month_start().replace(day=5)
    row = next(r for r in board.grid if r.member == chinh)
    assert row.marks[-5:] == ["excused"] * 4 + [""] and row.streak == 4 and row.streak_too_long
    assert row.excused == 4
    assert (board.open_shortcomings, board.overdue_shortcomings) == (1, 1)
    page = response.content.decode()
    assert escape(vi("Start this month's meeting")) in page
    assert "4" in page and vi("Overdue shortcomings") in page

    this_month = make_meeting(ward.cell01)
    board = client.get(f"/dashboard/cell/{ward.cell01.pk}/").context["board"]
    assert (board.state, board.action_url) == ("draft", f"/meetings/{this_month.pk}/edit/")
    _finalise(this_month)
    board = client.get(f"/dashboard/cell/{ward.cell01.pk}/").context["board"]
    assert (board.state, board.action_url) == ("finalised", f"/meetings/{this_month.pk}/")
    assert board.due_on == periods.add_months(periods.month_start(), 1).replace(day=5)  # the next month


def test_the_cell_dashboard_shows_pledges_signed_of_expected_linking_to_the_cells_pledge_page(
    client, ward, secretary
):
    campaign = make_campaign(ward.committee)
    make_pledge(ward.members01[0], campaign)
    client.force_login(secretary)
    response = client.get(f"/dashboard/cell/{ward.cell01.pk}/")
    pledges = response.context["board"].pledges
    expected = _expected_in(ward.committee, periods.today(), cell=ward.cell01)
    assert (pledges.signed, pledges.expected) == (1, expected)
    assert expected >= 3  # Chính, Dự and the secretary; Miễn is exempt
    panel = response.content.decode().split('data-testid="pledges"')[1].split("</div></div>")[0]
    assert f'href="/pledges/campaigns/{campaign.pk}/cells/{ward.cell01.pk}/"' in panel
    assert f"1 / {expected}" in panel


def test_another_cells_secretary_cannot_open_the_cell_dashboard(client, ward, other_secretary):
    client.force_login(other_secretary)
    assert client.get(f"/dashboard/cell/{ward.cell01.pk}/").status_code == 404


@pytest.mark.parametrize("n", [3, 40])
def test_the_cell_dashboard_runs_the_same_queries_for_3_and_40_members(
    client, ward, secretary, n, django_assert_num_queries
):
    campaign = make_campaign(ward.committee)
    for _ in range(n - 3):
        make_pledge(make_member(ward.cell01), campaign)
    for months_ago in range(3):
        make_meeting(ward.cell01, month=periods.add_months(periods.month_start(), -months_ago - 1))
    client.force_login(secretary)
    client.get(f"/dashboard/cell/{ward.cell01.pk}/")
    # session, user, access (member, positions, assignments, committee tree), the cell, this month's
    # counts, the months ahead's meetings, the members, the rule, shortcomings, the 12 months' attendance,
    # open tasks, the latest round's counts, the menu's inbox; this year's pledge campaign, its expected and
    # signed for the cell in one grouped query (committee_progress)
    with django_assert_num_queries(18):
        response = client.get(f"/dashboard/cell/{ward.cell01.pk}/")
    assert len(response.context["board"].grid) == n  # the secretary among them, the exempt one left out


# --- The member's home


def test_a_member_reads_their_tasks_shortcomings_and_their_cells_finalised_resolutions(
    client, ward, member, after_this_months_meeting
):
    last = make_meeting(ward.cell01, month=periods.add_months(periods.month_start(), -1))
    last = meeting_services.save_meeting(
        last,
        version=last.version,
        by=None,
        changes=meeting_services.SheetChanges(
            new_tasks=[
                {"assignee": member.member, "text": "Thăm hỏi gia đình chính sách", "due_on": periods.today()}
            ]
        ),
    )
    _finalise(last)
    Meeting.objects.filter(pk=last.pk).update(resolution="Nghị quyết: làm sạch đường làng")
    draft = make_meeting(ward.cell01)
    Meeting.objects.filter(pk=draft.pk).update(resolution="Bản nháp chưa duyệt")
    mine = make_shortcoming(ward.cell01, subject_member=member.member, description="Đóng đảng phí chậm")
    make_shortcoming(ward.cell01, description="Của người khác")
    client.force_login(member)
    assert client.get("/").url == "/dashboard/me/"
    page = client.get("/dashboard/me/").content.decode()
    assert "Thăm hỏi gia đình chính sách" in page.split('data-testid="my-shortcomings"')[0]
    assert f'href="/shortcomings/{mine.pk}/"' in page and "Của người khác" not in page
    assert "Nghị quyết: làm sạch đường làng" in page
    assert "Bản nháp chưa duyệt" not in page  # a draft is not the record yet
    assert 'data-testid="my-attendance"' in page


def test_a_members_home_links_to_sign_the_pledge_then_says_when_they_signed(client, ward, member):
    campaign = make_campaign(ward.committee)
    client.force_login(member)
    mine = client.get("/dashboard/me/").content.decode().split('data-testid="my-pledge"')[1].split("</p>")[0]
    assert f'href="/pledges/campaigns/{campaign.pk}/sign/"' in mine
    pledge = make_pledge(member.member, campaign)
    mine = client.get("/dashboard/me/").content.decode().split('data-testid="my-pledge"')[1].split("</p>")[0]
    assert f'href="/pledges/{pledge.pk}/"' in mine and "/sign/" not in mine
    with translation.override("vi"):
        assert date_format(pledge.signed_on, "SHORT_DATE_FORMAT") in mine


def test_a_member_of_another_cell_does_not_read_cell01s_resolutions(client, ward, other_secretary):
    meeting = _finalise(make_meeting(ward.cell01, month=periods.add_months(periods.month_start(), -1)))
    Meeting.objects.filter(pk=meeting.pk).update(resolution="Nghị quyết riêng của chi bộ 1")
    client.force_login(other_secretary)
    assert "Nghị quyết riêng của chi bộ 1" not in client.get("/dashboard/me/").content.decode()


@pytest.mark.parametrize("n", [1, 12])
def test_the_members_home_runs_the_same_queries_for_1_and_12_meetings(
    client, ward, member, n, django_assert_num_queries
):
    make_pledge(member.member)
    for months_ago in range(n):
        _finalise(make_meeting(ward.cell01, month=periods.add_months(periods.month_start(), -months_ago - 1)))
    client.force_login(member)
    client.get("/dashboard/me/")
    # session, user, access (member, positions, assignments, committee tree), the member with their cell,
    # the rule, my open tasks, my shortcomings, the cell's finalised minutes, my attendance, the menu's inbox;
    # this year's pledge campaign and my standing pledge in it
    with django_assert_num_queries(15):
        response = client.get("/dashboard/me/")
    assert len(response.context["home"].minutes) == n


# --- The cells × months grid, the trends, the ratings, the oversight coverage


def test_the_grid_shows_each_cells_months_and_the_trends_as_svg_with_their_numbers(
    client, leader, ward, march
):
    with time_machine.travel(dt.datetime(2026, 4, 2, 12, 0), tick=False):
        client.force_login(leader)
        response = client.get("/dashboard/cells/")
    grid = response.context["grid"]
    rows = {cell.code: months for cell, months in grid.rows}
    march_at = grid.months.index(MONTH)
    assert rows["CB01"][march_at].state == "finalised" and rows["CB01"][march_at].attendance_percent == 50
    assert rows["CB02"][march_at].state == "draft" and rows["CB09"][march_at] is None
    page = response.content.decode()
    assert "<svg" in page and "<figcaption" in page and vi("Cells with finalised minutes") in page
    sizes = {int(size) for size in re.findall(r'<text[^>]* font-size="(\d+)"', page)}
    assert sizes and min(sizes) >= 14  # readable on a phone: the chart is never drawn narrower than its width
    finalised = grid.trends[0]
    assert finalised.values[march_at] == round(100 / 3)  # one cell of three
    assert f">{round(100 / 3)}</text>" in page  # the number drawn as text
    assert "cdn" not in page.lower()


def test_the_oversight_coverage_shows_each_member_their_cells_and_what_they_did(client, leader, ward, march):
    with time_machine.travel(dt.datetime(2026, 4, 2, 12, 0), tick=False):
        client.force_login(leader)
        response = client.get("/dashboard/oversight/")
    coverage = response.context["coverage"]
    ((overseer, months),) = coverage.rows
    at = coverage.months.index(MONTH)
    assert overseer.full_name == "Bùi Quốc Phụ"
    cells = {cell.code: r for cell, r in months[at]}
    assert set(cells) == {"CB01", "CB02", "CB09"}
    assert cells["CB01"].overseer_attended and cells["CB01"].scored
    assert "CB01 ✓★" in response.content.decode()


@pytest.mark.parametrize("n", [2, 50])
def test_the_grid_and_the_coverage_run_the_same_queries_for_2_and_50_cells(
    client, leader, overseer, ward, n, django_assert_num_queries
):
    for number in range(n - 2):
        cell = make_cell(ward.committee, code=f"X{number:02d}")
        make_member(cell)
        make_meeting(cell)
        make_assignment(overseer.member, cell)
    client.force_login(leader)
    client.get("/dashboard/cells/")
    # session, user, access (member, positions, assignments, committee tree), the cells' count, their page,
    # their counts of 12 months, the monthly totals, the latest round, the menu's inbox
    with django_assert_num_queries(12):
        client.get("/dashboard/cells/")
    # session, user, access (4), the overseers' count and page, their assignments, the cells' counts, inbox
    with django_assert_num_queries(11):
        response = client.get("/dashboard/oversight/")
    assert sum(len(cells) for cells in response.context["coverage"].rows[0][1]) == n - 1


def test_the_grid_counts_the_latest_rounds_ratings_as_decided(client, leader, ward):
    from reviews.models import Review
    from reviews.services.reviews import start_round

    review_round = start_round(
        ward.committee, title="Kiểm điểm năm 2026", period_kind="year", year=2026, quarter=None, by=leader
    )
    two = list(Review.objects.filter(round=review_round).order_by("pk")[:2])
    Review.objects.filter(pk__in=[r.pk for r in two]).update(status="decided", decided_rating="good")
    client.force_login(leader)
    response = client.get("/dashboard/cells/")
    ratings = dict(response.context["grid"].ratings)
    assert ratings["Hoàn thành tốt nhiệm vụ"] == Review.objects.filter(decided_rating="good").count() == 2
    assert ratings["Hoàn thành xuất sắc nhiệm vụ"] == 0
    assert "Kiểm điểm năm 2026" in response.content.decode()


# --- A committee over sub-committees: the same page rolls up by sub-committee, and drills down


@pytest.fixture
def province(db):
    """A province committee with its own office cell, over two wards of two cells each; its secretary."""
    top = make_committee(name="Đảng bộ tỉnh thử", code="T")
    wards = [
        make_committee(name=f"Đảng bộ phường {name}", code=f"T-{name[0]}", parent=top)
        for name in ("An", "Bình")
    ]
    office = make_cell(top, name="Chi bộ Văn phòng Tỉnh ủy", code="T-VP")
    cells = {w.pk: [make_cell(w, code=f"{w.code}-{n}") for n in (1, 2)] for w in wards}
    for cell in [office, *(c for pair in cells.values() for c in pair)]:
        make_member(cell)
    leader = make_person(office, Role.SECRETARY, username="bithutinh")
    with time_machine.travel(dt.datetime(2026, 3, 20, 12, 0), tick=False):
        _finalise(make_meeting(cells[wards[0].pk][0], month=MONTH))
    make_shortcoming(cells[wards[1].pk][1], due_on=dt.date(2026, 3, 1), raised_on=dt.date(2026, 2, 1))
    return {"top": top, "wards": wards, "cells": cells, "office": office, "leader": leader}


def test_a_committee_over_sub_committees_sums_its_figures_by_sub_committee(client, province):
    an, binh = province["wards"]
    client.force_login(province["leader"])
    with time_machine.travel(dt.datetime(2026, 4, 2, 12, 0), tick=False):
        response = client.get("/dashboard/?month=2026-03")
    glance = response.context["glance"]
    assert glance.cells == 5 and glance.committee == province["top"]
    units = {u.committee.code: u for u in glance.units}
    assert [u.committee.code for u in glance.units] == ["T-A", "T-B", "T"]  # the province's own cell last
    assert (units["T-A"].cells, units["T-A"].finalised, units["T-A"].overdue) == (2, 1, 0)
    assert (units["T-B"].cells, units["T-B"].finalised, units["T-B"].overdue) == (2, 0, 1)
    assert units["T"].direct and units["T"].cells == 1
    assert sum(u.needing_help for u in glance.units) == glance.needing_help_total
    page = response.content.decode()
    assert f"?month=2026-03&amp;committee={an.pk}" in page and escape(binh.name) in page


def test_drilling_down_shows_one_sub_committee_with_the_way_back_up(client, province):
    an = province["wards"][0]
    client.force_login(province["leader"])
    with time_machine.travel(dt.datetime(2026, 4, 2, 12, 0), tick=False):
        response = client.get(f"/dashboard/?month=2026-03&committee={an.pk}")
    glance = response.context["glance"]
    assert glance.committee == an and glance.path == [province["top"]] and glance.units == []
    assert glance.cells == 2
    figures = {f.label: f for f in glance.figures}
    assert (figures[vi("Minutes finalised")].count, figures[vi("Minutes finalised")].of) == (1, 2)
    assert figures[vi("Overdue shortcomings")].count == 0  # Bình's is not counted here
    assert {h.cell.code for h in glance.needing_help} <= {c.code for c in province["cells"][an.pk]}
    page = response.content.decode()
    assert (
        f"committee={an.pk}" in page.split('aria-label="' + vi("Month"))[1].split("</nav>")[0]
    )  # months keep it


def test_a_ward_leader_cannot_open_the_province_or_another_ward(client, province):
    an, binh = province["wards"]
    ward_leader = make_person(province["cells"][an.pk][0], Role.SECRETARY)
    client.force_login(ward_leader)
    response = client.get("/dashboard/")
    assert response.context["glance"].cells == 2 and response.context["glance"].units == []
    for committee in (province["top"].pk, binh.pk, 999999999):
        assert client.get(f"/dashboard/?committee={committee}").status_code == 404
    for hostile in ("abc", "-1", "1" * 40):  # not a committee: the page as without one
        assert client.get(f"/dashboard/?committee={hostile}").status_code == 200
    assert client.get("/dashboard/?committee=%00").status_code == 400  # the hostile-input middleware


@pytest.mark.parametrize("wards", [2, 6])
def test_the_roll_up_runs_the_same_queries_for_2_and_6_sub_committees(
    client, province, wards, django_assert_num_queries
):
    for n in range(wards - 2):
        extra = make_committee(name=f"Đảng bộ xã {n}", code=f"T-X{n}", parent=province["top"])
        make_member(make_cell(extra))
    client.force_login(province["leader"])
    client.get("/dashboard/")
    # as a ward's (test above), with no campaign's kept counts to check, and the committees' names
    with django_assert_num_queries(12):
        response = client.get("/dashboard/")
    assert len(response.context["glance"].units) == wards + 1
