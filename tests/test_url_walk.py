"""Every URL of the project × every role of the cast answers exactly what the table below says.

The walk finds every named URL pattern (admin and static files aside). A URL with no row in EXPECTED fails
the test: when you add a URL, add its row here (and a URL_ARGS entry if its path takes arguments, and a
POST_DATA entry if it answers only POST). Statuses are those of the access rules: 404 for what a role may
not see, 403 for what it sees but may not do. Anonymous visitors are sent to the login page (302).

Each role's request runs in a savepoint rolled back afterwards, so a POST by one role changes nothing for
the next.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cells import importing
from cells.models import Cell, Committee
from cells.services import upload_member_list
from phuthang import periods
from phuthang.models import JobFile
from reviews.models import DueDateExtension, Meeting
from reviews.services.feedback import attach_scan
from reviews.services.reviews import start_round
from tests.factories import (
    make_campaign,
    make_feedback,
    make_job,
    make_meeting,
    make_notification,
    make_plan,
    make_pledge,
    make_review,
    make_shortcoming,
)

ROLES = (
    "anonymous",
    "secretary",
    "other_secretary",
    "overseer",
    "inspector",
    "leader",
    "member",
    "stranger",
    "staff",
)


def row(*statuses: int) -> dict[str, int]:
    """One status per role, in the order of ROLES (see the header comment in EXPECTED)."""
    assert len(statuses) == len(ROLES), f"a row needs {len(ROLES)} statuses, one per role: {ROLES}"
    return dict(zip(ROLES, statuses, strict=True))


# fmt: off
EXPECTED: dict[str, dict[str, int]] = {
    #                          anon  sec  oth  ovr  ins  lead  mem  str  staff
    "home":                row(302,  302, 302, 302, 302, 302,  302, 200, 302),
    # dashboards (issue 13)
    "reviews:dashboard":   row(302,  404, 404, 404, 200, 200,  404, 404, 200),
    "reviews:overseer_home": row(302, 200, 200, 200, 200, 200, 200, 404, 404),
    "reviews:cell_dashboard": row(302, 200, 404, 200, 200, 200, 404, 404, 200),
    "reviews:member_home": row(302,  200, 200, 200, 200, 200,  200, 404, 404),
    "reviews:dashboard_grid": row(302, 404, 404, 404, 200, 200, 404, 404, 200),
    "reviews:dashboard_oversight": row(302, 404, 404, 404, 200, 200, 404, 404, 200),
    "reviews:ward_report": row(302,  404, 404, 404, 200, 200,  404, 404, 200),
    "reviews:dashboard_grid_export": row(302, 404, 404, 404, 200, 200, 404, 404, 200),
    "reviews:dashboard_oversight_export": row(302, 404, 404, 404, 200, 200, 404, 404, 200),
    "reviews:cell_attendance_export": row(302, 200, 404, 200, 200, 200, 404, 404, 200),
    "reviews:needing_help_export": row(302, 404, 404, 404, 200, 200, 404, 404, 200),
    "healthz":             row(200,  200, 200, 200, 200, 200,  200, 200, 200),
    "login":               row(200,  302, 302, 302, 302, 302,  302, 302, 302),
    "logout":              row(302,  302, 302, 302, 302, 302,  302, 302, 302),
    "set_language":        row(302,  302, 302, 302, 302, 302,  302, 302, 302),
    # logging in (issue 10): each login's own sessions; the second factor for leaders, UBKT and the office
    "accounts:sessions":   row(302,  200, 200, 200, 200, 200,  200, 200, 200),
    "accounts:sessions_end": row(302, 302, 302, 302, 302, 302, 302, 302, 302),
    "accounts:otp_verify": row(302,  302, 302, 302, 302, 302,  302, 302, 302),  # no code pending: onwards
    "accounts:otp_enrol":  row(302,  403, 403, 403, 200, 200,  403, 403, 200),
    "cells:index":         row(302,  200, 200, 200, 200, 200,  404, 404, 200),
    "cells:detail":        row(302,  200, 404, 200, 200, 200,  404, 404, 200),
    "cells:member":        row(302,  200, 404, 200, 200, 200,  404, 404, 200),
    "cells:member_edit":   row(302,  200, 404, 403, 403, 403,  404, 404, 200),
    "cells:members":       row(302,  200, 200, 404, 200, 200,  404, 404, 200),  # issue 14: the list and export
    "cells:members_xlsx":  row(302,  200, 200, 404, 200, 200,  404, 404, 200),
    "cells:cell_print":    row(302,  200, 404, 200, 200, 200,  404, 404, 200),
    "cells:member_event":  row(302,  200, 404, 403, 403, 403,  404, 404, 200),  # issue 14: the secretary exempts
    "cells:oversight":     row(302,  200, 200, 200, 200, 200,  200, 404, 200),
    "cells:oversight_edit": row(302, 403, 403, 403, 403, 200,  403, 404, 200),
    "cells:oversight_copy": row(302, 403, 403, 403, 403, 302,  403, 404, 302),
    "cells:oversight_candidates": row(302, 403, 403, 403, 403, 200, 403, 404, 200),  # the edit page's search
    # the member list import (issue 14): office staff for any committee, a secretary for their cell
    "cells:import_new":    row(302,  200, 200, 403, 403, 403,  403, 403, 200),
    "cells:import_template": row(302, 200, 200, 403, 403, 403, 403, 403, 200),
    "cells:import_preview": row(302, 200, 404, 404, 404, 404,  404, 404, 200),  # an import into cell01
    "cells:import_columns": row(302, 200, 404, 404, 404, 404,  404, 404, 200),
    "cells:import_confirm": row(302, 302, 404, 404, 404, 404,  404, 404, 302),
    # reviews, shortcomings and remediation (issue 4): every object is in cell01, of an ordinary member
    "reviews:probation":   row(302,  200, 200, 404, 200, 200,  404, 404, 200),  # issue 14
    "reviews:rounds":      row(302,  200, 200, 200, 200, 200,  404, 404, 200),
    "reviews:round_new":   row(302,  403, 403, 403, 403, 200,  404, 404, 403),
    "reviews:round":       row(302,  200, 200, 200, 200, 200,  200, 404, 200),
    "reviews:round_close": row(302,  403, 403, 403, 403, 302,  403, 404, 403),
    "reviews:review":      row(302,  200, 404, 200, 200, 200,  404, 404, 200),
    "reviews:review_self_assess": row(302, 200, 404, 403, 403, 403, 404, 404, 403),
    "reviews:review_propose": row(302, 200, 404, 403, 403, 403, 404, 404, 403),
    "reviews:review_decide": row(302, 403, 404, 403, 403, 200,  404, 404, 403),
    "reviews:review_reopen": row(302, 403, 404, 403, 403, 302,  404, 404, 403),
    "reviews:review_withdraw": row(302, 403, 404, 403, 403, 302, 404, 404, 403),
    "reviews:review_history": row(302, 403, 404, 403, 200, 200, 404, 404, 200),
    "reviews:cell_reviews": row(302, 200, 404, 200, 200, 200,  404, 404, 200),
    "reviews:member_reviews": row(302, 200, 404, 200, 200, 200, 404, 404, 200),
    "reviews:board":       row(302,  200, 200, 200, 200, 200,  404, 404, 200),
    "reviews:board_export": row(302, 200, 200, 200, 200, 200,  404, 404, 200),
    "reviews:shortcoming_new": row(302, 200, 200, 403, 200, 403, 404, 404, 403),
    "reviews:shortcoming_new_cells": row(302, 200, 200, 403, 200, 403, 404, 404, 403),  # the search
    "reviews:shortcoming": row(302,  200, 404, 200, 200, 200,  404, 404, 200),
    "reviews:shortcoming_edit": row(302, 200, 404, 403, 200, 403, 404, 404, 403),
    "reviews:shortcoming_report": row(302, 200, 404, 403, 403, 403, 404, 404, 403),
    "reviews:shortcoming_status": row(302, 403, 404, 403, 302, 403, 404, 404, 403),
    "reviews:shortcoming_extension": row(302, 200, 404, 403, 403, 403, 404, 404, 403),
    "reviews:shortcoming_history": row(302, 403, 404, 403, 200, 200, 404, 404, 200),
    "reviews:extension_decide": row(302, 403, 404, 403, 302, 403, 404, 404, 403),
    # meetings (issue 3): a draft of cell01 this month; reopen takes a finalised thematic one
    "reviews:meetings":    row(302,  302, 302, 302, 200, 200,  302, 404, 200),
    "reviews:meeting_year": row(302, 200, 404, 200, 200, 200,  404, 404, 200),
    "reviews:meeting_start": row(302, 200, 404, 403, 403, 403, 404, 404, 403),
    "reviews:meeting":     row(302,  200, 404, 200, 200, 200,  404, 404, 200),
    "reviews:meeting_edit": row(302, 200, 404, 403, 403, 403,  404, 404, 403),
    "reviews:meeting_reopen": row(302, 200, 404, 403, 403, 403, 404, 404, 403),
    "reviews:meeting_withdraw": row(302, 200, 404, 403, 403, 403, 404, 404, 403),
    "reviews:meeting_docx": row(302, 200, 404, 200, 200, 200,  404, 404, 200),
    "reviews:meeting_assess": row(302, 403, 404, 200, 403, 403, 404, 404, 403),
    "reviews:my_attendance": row(302, 200, 200, 200, 200, 200, 200, 404, 404),
    # citizens' feedback (issue 15): a denunciation about a member of cell01 given to UBKT; conclude, the
    # shortcoming and the reply take a concluded one that finds fault, with the UBKT member as its handler
    "reviews:feedback_index": row(302, 200, 200, 404, 200, 200, 404, 404, 200),
    "reviews:feedback_export": row(302, 404, 404, 404, 200, 200, 404, 404, 200),
    "reviews:feedback_new": row(302, 404, 404, 404, 200, 403,  404, 404, 200),
    "reviews:feedback":    row(302,  404, 404, 404, 200, 200,  404, 404, 200),
    "reviews:feedback_classify": row(302, 404, 404, 404, 200, 403, 404, 404, 200),
    "reviews:feedback_step": row(302, 404, 404, 404, 302, 403, 404, 404, 302),
    "reviews:feedback_conclude": row(302, 404, 404, 404, 200, 403, 404, 404, 403),
    "reviews:feedback_shortcoming": row(302, 403, 404, 404, 200, 403, 404, 404, 403),
    "reviews:feedback_attach": row(302, 404, 404, 404, 302, 403, 404, 404, 302),
    "reviews:feedback_reply": row(302, 403, 404, 404, 200, 403, 404, 404, 403),
    "reviews:feedback_attachment": row(302, 404, 404, 404, 200, 200, 404, 404, 200),
    "reviews:feedback_report": row(302, 404, 404, 404, 200, 200, 404, 404, 200),
    "reviews:feedback_report_export": row(302, 404, 404, 404, 200, 200, 404, 404, 200),
    "reviews:feedback_report_docx": row(302, 404, 404, 404, 200, 200, 404, 404, 200),
    "reviews:feedback_receptions": row(302, 404, 404, 404, 200, 200, 404, 404, 200),
    "reviews:feedback_reception_new": row(302, 404, 404, 404, 200, 403, 404, 404, 200),
    # reminders and inbox (issue 5): the inbox item is the secretary's; the email is to a member of cell01
    "reviews:inbox":       row(302,  200, 200, 200, 200, 200,  200, 404, 404),
    "reviews:inbox_item":  row(302,  200, 404, 404, 404, 404,  404, 404, 404),
    "reviews:inbox_read_all": row(302, 302, 302, 302, 302, 302, 302, 404, 404),
    "reviews:reminders":   row(302,  404, 404, 404, 404, 200,  404, 404, 200),
    "reviews:reminder":    row(302,  404, 404, 404, 404, 200,  404, 404, 200),
    "reviews:reminder_body": row(302, 404, 404, 404, 404, 200,  404, 404, 200),
    "reviews:reminders_preview": row(302, 404, 404, 404, 404, 200, 404, 404, 200),
    "reviews:reminders_preview_prepare": row(302, 404, 404, 404, 404, 302, 404, 404, 302),
    "reviews:reminders_run": row(302, 404, 404, 404, 404, 403,  404, 404, 302),
    "reviews:reminder_retry": row(302, 404, 404, 404, 404, 403, 404, 404, 302),
    # background jobs (issue 11): a finished round-start of the ward committee, started by its leader
    "jobs":                row(302,  404, 404, 404, 404, 404,  404, 404, 200),
    "job":                 row(302,  404, 404, 404, 404, 200,  404, 404, 200),
    "job_file":            row(302,  404, 404, 404, 404, 200,  404, 404, 200),
    # pledges (issue 12): this year's campaign of the ward; the pledge and the paper one are an ordinary
    # member's of cell01; everyone with a member record in the committee may sign their own
    "reviews:pledges":     row(302,  200, 200, 200, 200, 200,  200, 404, 200),
    "reviews:pledge_campaign_new": row(302, 403, 403, 403, 403, 200, 403, 403, 200),
    "reviews:pledge_campaign": row(302, 200, 200, 200, 200, 200, 200, 404, 200),
    "reviews:pledge_campaign_text": row(302, 403, 403, 403, 403, 200, 403, 404, 200),
    "reviews:pledge_sign": row(302,  200, 200, 200, 200, 200,  200, 404, 403),
    "reviews:pledge_cell": row(302,  200, 404, 200, 200, 200,  404, 404, 200),
    "reviews:pledge_cell_print": row(302, 200, 404, 200, 200, 200, 404, 404, 200),
    "reviews:pledge_paper": row(302, 200, 404, 403, 403, 403,  404, 404, 403),
    "reviews:pledge":      row(302,  200, 404, 200, 200, 200,  404, 404, 200),
    "reviews:pledge_docx": row(302,  200, 404, 200, 200, 200,  404, 404, 200),
    "reviews:review_pledge_lines": row(302, 200, 404, 403, 403, 403, 404, 404, 403),
    # action plans (issue 12): the plan is cell01's secretary's, for cell01; the note is on its first item
    "reviews:action_plans": row(302, 200, 200, 200, 200, 200,  200, 404, 200),
    "reviews:action_plan_new": row(302, 200, 200, 200, 200, 200, 403, 403, 403),
    "reviews:action_plan": row(302,  200, 404, 404, 200, 200,  200, 404, 200),
    "reviews:action_plan_note": row(302, 302, 404, 404, 403, 403, 403, 404, 403),
}
# fmt: on

# Anonymous requests to these are not sent to the login page.
PUBLIC = {"login", "healthz", "set_language"}  # the language switch also serves the login page


@dataclasses.dataclass
class Context:
    """What URL_ARGS and POST_DATA build from: the small ward of tests/conftest.py and its cast.

    `once(key, build)` makes an object the first time it is asked for in a test and returns the same one
    after, e.g. `lambda c: {"pk": c.once("meeting", lambda: make_meeting(c.cell01)).pk}`.
    """

    committee: Committee
    cell01: Cell
    cell02: Cell
    ward: Any
    users: dict[str, Any]
    _made: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def month(self) -> Any:
        return periods.month_start()

    def once(self, key: str, build: Callable[[], Any]) -> Any:
        if key not in self._made:
            self._made[key] = build()
        return self._made[key]


# Path arguments of each URL that takes some: a function of the Context returning reverse()'s kwargs.
URL_ARGS: dict[str, Callable[[Context], dict[str, Any]]] = {
    "cells:detail": lambda c: {"pk": c.cell01.pk},
    "reviews:cell_dashboard": lambda c: {"pk": c.cell01.pk},
    "reviews:cell_attendance_export": lambda c: {"pk": c.cell01.pk},
    "cells:member": lambda c: {"pk": c.ward.members01[0].pk},  # an ordinary member of cell01
    "cells:member_edit": lambda c: {"pk": c.ward.members01[0].pk},
    "cells:member_event": lambda c: {"pk": c.ward.members01[0].pk},
    "cells:cell_print": lambda c: {"pk": c.cell01.pk},
    "cells:oversight_edit": lambda c: {"year": c.month.year, "month": c.month.month},
    "cells:oversight_copy": lambda c: {"year": c.month.year, "month": c.month.month},
    "cells:import_preview": lambda c: {"pk": _member_import(c).pk},
    "cells:import_columns": lambda c: {"pk": _member_import(c).pk},
    "cells:import_confirm": lambda c: {"pk": _member_import(c).pk},
    "reviews:meeting_year": lambda c: {"cell_pk": c.cell01.pk},
    "reviews:meeting_start": lambda c: {"cell_pk": c.cell01.pk},
    "reviews:meeting": lambda c: {"pk": _meeting(c).pk},
    "reviews:meeting_edit": lambda c: {"pk": _meeting(c).pk},
    "reviews:meeting_reopen": lambda c: {"pk": _finalised_meeting(c).pk},
    "reviews:meeting_withdraw": lambda c: {"pk": _meeting(c).pk},
    "reviews:meeting_docx": lambda c: {"pk": _meeting(c).pk},
    "reviews:meeting_assess": lambda c: {"pk": _meeting(c).pk},
    "reviews:round": lambda c: {"pk": _review_round(c).pk},
    "reviews:round_close": lambda c: {"pk": _review_round(c).pk},
    "reviews:review": lambda c: {"pk": _review(c, "draft").pk},
    "reviews:review_self_assess": lambda c: {"pk": _review(c, "draft").pk},
    "reviews:review_propose": lambda c: {"pk": _review(c, "self_assessed").pk},
    "reviews:review_decide": lambda c: {"pk": _review(c, "proposed").pk},
    "reviews:review_reopen": lambda c: {"pk": _review(c, "decided").pk},
    "reviews:review_withdraw": lambda c: {"pk": _review(c, "draft").pk},
    "reviews:review_history": lambda c: {"pk": _review(c, "draft").pk},
    "reviews:cell_reviews": lambda c: {"pk": c.cell01.pk},
    "reviews:member_reviews": lambda c: {"pk": c.ward.members01[0].pk},
    "reviews:shortcoming": lambda c: {"pk": _shortcoming(c, "open").pk},
    "reviews:shortcoming_edit": lambda c: {"pk": _shortcoming(c, "open").pk},
    "reviews:shortcoming_report": lambda c: {"pk": _shortcoming(c, "open").pk},
    "reviews:shortcoming_status": lambda c: {"pk": _shortcoming(c, "reported_fixed").pk},
    "reviews:shortcoming_extension": lambda c: {"pk": _shortcoming(c, "open").pk},
    "reviews:shortcoming_history": lambda c: {"pk": _shortcoming(c, "open").pk},
    "reviews:extension_decide": lambda c: {"pk": _extension(c).pk},
    "reviews:feedback": lambda c: {"pk": _feedback(c).pk},
    "reviews:feedback_classify": lambda c: {"pk": _feedback(c).pk},
    "reviews:feedback_step": lambda c: {"pk": _feedback(c).pk},
    "reviews:feedback_conclude": lambda c: {"pk": _feedback(c).pk},
    "reviews:feedback_shortcoming": lambda c: {"pk": _concluded_feedback(c).pk},
    "reviews:feedback_attach": lambda c: {"pk": _feedback(c).pk},
    "reviews:feedback_reply": lambda c: {"pk": _concluded_feedback(c).pk},
    "reviews:feedback_attachment": lambda c: {"pk": _scan(c).pk},
    "reviews:inbox_item": lambda c: {"pk": _reminder(c).pk},
    "reviews:reminder": lambda c: {"pk": _reminder(c).digest_id},
    "reviews:reminder_body": lambda c: {"pk": _reminder(c).digest_id},
    "reviews:reminder_retry": lambda c: {"pk": _reminder(c).digest_id},
    "job": lambda c: {"pk": _job(c).pk},
    "job_file": lambda c: {"pk": _job(c).pk},
    "reviews:pledge_campaign": lambda c: {"pk": _campaign(c).pk},
    "reviews:pledge_campaign_text": lambda c: {"pk": _campaign(c).pk},
    "reviews:pledge_sign": lambda c: {"pk": _campaign(c).pk},
    "reviews:pledge_cell": lambda c: {"pk": _campaign(c).pk, "cell_pk": c.cell01.pk},
    "reviews:pledge_cell_print": lambda c: {"pk": _campaign(c).pk, "cell_pk": c.cell01.pk},
    "reviews:pledge_paper": lambda c: {"pk": _campaign(c).pk, "member_pk": c.ward.members01[0].pk},
    "reviews:pledge": lambda c: {"pk": _pledge(c).pk},
    "reviews:pledge_docx": lambda c: {"pk": _pledge(c).pk},
    "reviews:review_pledge_lines": lambda c: {"pk": _review(c, "draft").pk},
    "reviews:action_plan": lambda c: {"pk": _plan(c).pk},
    "reviews:action_plan_note": lambda c: {"pk": _plan(c).items.get(position=1).pk},
}


def _member_import(c: Context) -> Any:
    """A previewed member list of one new member of cell01, uploaded by cell01's secretary."""
    content = "Họ và tên,Giới tính,Chi bộ (mã hoặc tên)\nNguyễn Văn Nhập,Nam,CB01\n".encode()
    scope = importing.Scope(committee=c.committee, cell=c.cell01)
    return c.once(
        "member_import",
        lambda: upload_member_list(scope=scope, file_name="ds.csv", content=content, by=c.users["secretary"]),
    )


def _job(c: Context) -> Any:
    """A finished job of the ward committee, started by its leader, with the file it made."""

    def build() -> Any:
        job = make_job(c.users["leader"], committee=c.committee, state="done")
        JobFile.objects.create(job=job, name="x.txt", content_type="text/plain", data=b"x", size=1)
        return job

    return c.once("job", build)


def _plan(c: Context) -> Any:
    """This year's action plan of cell01's secretary, for cell01."""
    return c.once("plan", lambda: make_plan(c.users["secretary"].member, cell=c.cell01))


def _campaign(c: Context) -> Any:
    """This year's pledge campaign of the ward."""
    return c.once("campaign", lambda: make_campaign(c.committee))


def _pledge(c: Context) -> Any:
    """The signed pledge of an ordinary member of cell01 in this year's campaign."""
    return c.once("pledge", lambda: make_pledge(c.ward.members01[0], _campaign(c)))


def _reminder(c: Context) -> Any:
    """A reminder to the secretary of cell01, whose email failed."""
    return c.once("reminder", lambda: make_notification(c.users["secretary"].member, digest_status="failed"))


def _review_round(c: Context) -> Any:
    """A round over the whole committee: reviews in cell01 and cell02, the member's own among them."""
    return c.once(
        "round",
        lambda: start_round(c.committee, title="2026", period_kind="year", year=2026, quarter=None, by=None),
    )


def _review(c: Context, status: str) -> Any:
    """A review of an ordinary member of cell01, in the given status."""
    return c.once(f"review-{status}", lambda: make_review(member=c.ward.members01[0], status=status))


def _shortcoming(c: Context, status: str) -> Any:
    """A shortcoming of an ordinary member of cell01, in the given status."""
    return c.once(
        f"shortcoming-{status}",
        lambda: make_shortcoming(c.cell01, subject_member=c.ward.members01[0], status=status),
    )


def _extension(c: Context) -> Any:
    """A pending request for a new due date on a cell01 shortcoming."""
    item = _shortcoming(c, "open")
    later = item.due_on + dt.timedelta(days=30)
    return c.once(
        "extension",
        lambda: DueDateExtension.objects.create(
            shortcoming=item, previous_due_on=item.due_on, new_due_on=later, reason="Ốm"
        ),
    )


def _feedback(c: Context) -> Any:
    """A denunciation about an ordinary member of cell01, accepted for UBKT, no handler yet."""
    return c.once(
        "feedback",
        lambda: make_feedback(
            c.committee, concerned_member=c.ward.members01[0], status="accepted", jurisdiction="ubkt"
        ),
    )


def _concluded_feedback(c: Context) -> Any:
    """A denunciation about a member of cell01 concluded with fault found, handled by the UBKT member."""
    return c.once(
        "concluded_feedback",
        lambda: make_feedback(
            c.committee,
            concerned_member=c.ward.members01[0],
            status="concluded",
            jurisdiction="ubkt",
            conclusion="Có vi phạm",
            concluded_on=periods.today(),
            finds_fault=True,
            handler=c.users["inspector"],
        ),
    )


def _scan(c: Context) -> Any:
    """A PDF scan of the accepted denunciation."""
    return c.once(
        "scan",
        lambda: attach_scan(_feedback(c), by=None, upload=SimpleUploadedFile("don.pdf", b"%PDF-1.4 don thu")),
    )


def _meeting(c: Context) -> Any:
    """This month's draft regular meeting of cell01 (the overseer fixture oversees cell01 this month)."""
    return c.once("meeting", lambda: make_meeting(c.cell01))


def _finalised_meeting(c: Context) -> Any:
    """A finalised thematic meeting of cell01 this month."""

    def build() -> Any:
        meeting = make_meeting(c.cell01, kind="thematic", topic="Chuyên đề", ended_at=dt.time(10, 0))
        now = timezone.now()
        Meeting.objects.filter(pk=meeting.pk).update(
            status="finalised", resolution="Nghị quyết", finalised_at=now, first_finalised_at=now
        )
        return meeting

    return c.once("finalised_meeting", build)


# URLs that answer only POST, with the form data to post.
POST_DATA: dict[str, Callable[[Context], dict[str, Any]]] = {
    "reviews:inbox_read_all": lambda c: {},
    "reviews:reminders_run": lambda c: {},
    "reviews:reminders_preview_prepare": lambda c: {},
    "reviews:reminder_body": lambda c: {"pk": _reminder(c).digest_id},
    "reviews:reminder_retry": lambda c: {},
    "reviews:review_reopen": lambda c: {"version": 1, "reason": "Có thông tin mới"},
    "reviews:round_close": lambda c: {},
    "reviews:review_withdraw": lambda c: {"version": 1, "reason": "Chuyển sinh hoạt"},
    "reviews:shortcoming_status": lambda c: {"action": "verify", "version": 1, "note": "", "confirmed": "1"},
    "reviews:extension_decide": lambda c: {"decision": "approve", "note": ""},
    "reviews:feedback_step": lambda c: {"action": "note", "version": 1, "text": "Đã gọi điện"},
    "reviews:feedback_attach": lambda c: {"file": SimpleUploadedFile("don.png", b"\x89PNG\r\n\x1a\n0000")},
    "logout": lambda c: {},
    "accounts:sessions_end": lambda c: {"which": "others"},
    "set_language": lambda c: {"language": "en", "next": "/"},
    "cells:oversight_copy": lambda c: {"committee": c.committee.pk},
    "cells:import_confirm": lambda c: {},
    "reviews:action_plan_note": lambda c: _note_data(c),
}


def _note_data(c: Context) -> dict[str, Any]:
    item = _plan(c).items.get(position=1)
    prefix = f"i{item.pk}-"
    return {
        f"{prefix}version": 1,
        f"{prefix}on": periods.today().isoformat(),
        f"{prefix}text": "Đã làm",
        f"{prefix}status": "done",
    }


SKIPPED_PREFIXES = ("admin/", "static/", "media/")


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(url name, route) of every pattern, resolvers followed recursively."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {route}>", route)


URLS = sorted(set(walk(get_resolver().url_patterns)))


@pytest.fixture
def cast(ward, secretary, other_secretary, overseer, inspector, leader, member, stranger, staff) -> Context:
    users = {
        "secretary": secretary,
        "other_secretary": other_secretary,
        "overseer": overseer,
        "inspector": inspector,
        "leader": leader,
        "member": member,
        "stranger": stranger,
        "staff": staff,
    }
    return Context(committee=ward.committee, cell01=ward.cell01, cell02=ward.cell02, ward=ward, users=users)


def request_as(role: str, name: str, url: str, cast: Context) -> Any:
    client = Client()
    if role != "anonymous":
        client.force_login(cast.users[role])
    if name in POST_DATA:
        return client.post(url, POST_DATA[name](cast))
    return client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route"), URLS, ids=[name for name, _ in URLS])
def test_every_role_gets_the_expected_status(name, route, cast):
    assert not name.startswith("<unnamed"), f"the URL pattern {route!r} has no name: give it one"
    assert name in EXPECTED, (
        f"the URL {name!r} ({route}) has no row in EXPECTED in tests/test_url_walk.py: add one with the "
        "status each role must get (and a URL_ARGS entry if its path takes arguments, a POST_DATA entry if "
        "it answers only POST)"
    )
    url = reverse(name, kwargs=URL_ARGS[name](cast) if name in URL_ARGS else None)
    got, wrong_login = {}, []
    for role in ROLES:
        with transaction.atomic():
            response = request_as(role, name, url, cast)
            transaction.set_rollback(True)
        got[role] = response.status_code
        sent_to = response.get("Location", "")
        if role == "anonymous" and name not in PUBLIC and not sent_to.startswith("/accounts/login/"):
            wrong_login.append(sent_to)
    mismatches = {
        role: f"expected {EXPECTED[name][role]}, got {got[role]}"
        for role in ROLES
        if got[role] != EXPECTED[name][role]
    }
    assert not mismatches, f"{'POST' if name in POST_DATA else 'GET'} {url}: {mismatches}"
    assert not wrong_login, f"anonymous GET {url} should go to /accounts/login/, went to {wrong_login}"


def test_every_row_of_the_table_names_a_url_that_exists():
    names = {name for name, _ in URLS}
    stale = sorted(set(EXPECTED) - names) + sorted(set(URL_ARGS) - names) + sorted(set(POST_DATA) - names)
    assert not stale, f"tests/test_url_walk.py has rows for URLs that no longer exist: {stale}"


def test_anonymous_visitors_reach_only_the_login_page_healthz_and_the_language_switch():
    public = {name for name, row_ in EXPECTED.items() if row_["anonymous"] != 302}
    assert public == PUBLIC - {"set_language"}  # the switch answers 302 too, back to the page it served
