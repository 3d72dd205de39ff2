"""The accountability cycle's background jobs (phuthang.jobs): starting a review round, the UBKT board's
and the dashboards' exports when too long for a request, and the reminders' dry run at a province's scale.
Each calls a plain service in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cells.models import Committee
from phuthang import jobs, xlsx
from phuthang.models import Job
from reviews import exports
from reviews.services import reviews as services


def round_key(committee_id: int, *, title: str, period_kind: str, year: int, quarter: int | None) -> str:
    """One job per round: the same committee and period (an ad hoc round: the same title too)."""
    key = f"{committee_id}:{period_kind}:{year}:{quarter or ''}"
    return f"{key}:{title}" if period_kind == "ad_hoc" else key


@jobs.job_kind("round_start", title=gettext_lazy("Start a review round"))
def round_start(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    p = job.params
    review_round = services.start_round(
        Committee.objects.get(pk=p["committee"]),
        title=p["title"],
        period_kind=p["period_kind"],
        year=p["year"],
        quarter=p["quarter"],
        by=job.started_by,
        progress=progress,
    )
    count = review_round.reviews.count()  # type: ignore[attr-defined]
    return {
        "message": _("Review round started: %(count)d reviews created.") % {"count": count},
        "url": review_round.get_absolute_url(),
        "link_label": _("Open the round"),
        "round": review_round.pk,
        "reviews": count,
    }


@jobs.job_kind("board_export", title=gettext_lazy("Export the shortcomings to Excel"))
def board_export(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """The UBKT board's export as its starter sees it now, with the filters they had chosen."""
    # imported here: the views import this module (to start the jobs)
    from reviews.views.shortcomings import board_filter

    form, shortcomings, _tally = board_filter(job.started_by, QueryDict(job.params["query"]))
    total = shortcomings.count()
    progress(0, total)
    content, filename = exports.shortcomings_xlsx_file(
        exports.board_rows(shortcomings), form=form, progress=progress
    )
    progress(total)
    jobs.store_file(job, filename, xlsx.CONTENT_TYPE, content)
    return {
        "message": _("The sheet of %(count)d shortcomings is ready.") % {"count": total},
        "rows": total,
        "bytes": len(content),
    }


# --- The dashboards' exports too long for a request (reviews/services/dashboard_xlsx.py)


def _dashboard_sheet(job: Job, progress: jobs.Progress, total: int, sheet: Any) -> dict[str, Any]:
    progress(0, total)
    content, filename = sheet(progress)
    progress(total)
    jobs.store_file(job, filename, xlsx.CONTENT_TYPE, content)
    return {
        "message": _("The sheet of %(count)d rows is ready.") % {"count": total},
        "rows": total,
        "bytes": len(content),
    }


@jobs.job_kind("dashboard_grid_export", title=gettext_lazy("Export the cells month by month to Excel"))
def dashboard_grid_export(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """The cells × months grid as its starter sees it now, for the months of the day they asked."""
    from reviews.services import dashboard_xlsx

    user, today = job.started_by, dt.date.fromisoformat(job.params["today"])
    return _dashboard_sheet(
        job,
        progress,
        dashboard_xlsx.grid_rows_count(user),
        lambda report: dashboard_xlsx.grid_xlsx(user, today=today, progress=report),
    )


@jobs.job_kind("dashboard_oversight_export", title=gettext_lazy("Export the oversight coverage to Excel"))
def dashboard_oversight_export(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    from reviews.services import dashboard_xlsx

    user, today = job.started_by, dt.date.fromisoformat(job.params["today"])
    return _dashboard_sheet(
        job,
        progress,
        dashboard_xlsx.coverage_rows_count(user, today=today),
        lambda report: dashboard_xlsx.coverage_xlsx(user, today=today, progress=report),
    )


@jobs.job_kind("needing_help_export", title=gettext_lazy("Export the cells needing help to Excel"))
def needing_help_export(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """Every cell needing help in the month, ranked with its reasons, as its starter sees them now."""
    from reviews.services import dashboard_xlsx

    user = job.started_by
    month, today = dt.date.fromisoformat(job.params["month"]), dt.date.fromisoformat(job.params["today"])
    committee = int(job.params["committee"]) if job.params.get("committee") else None
    glance = dashboard_xlsx.needing_help(user, month, committee=committee, today=today)
    return _dashboard_sheet(
        job,
        progress,
        len(glance.needing_help),
        lambda report: dashboard_xlsx.needing_help_xlsx(
            user, month, committee=committee, glance=glance, progress=report
        ),
    )


# --- The reminders' dry run at a province's scale (reviews/services/reminders.py, docs/reminders.md)


@jobs.job_kind("reminders_preview", title=gettext_lazy("Prepare the reminders' dry run"))
def reminders_preview(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """Who would receive what on the day asked (or for the month asked), as its starter sees it, kept as
    rows that the preview page pages and searches."""
    from reviews.services import reminders

    period = job.params.get("period") or None
    count = reminders.store_preview(
        job, today=dt.date.fromisoformat(job.params["today"]), period=period, progress=progress
    )
    return {
        "message": _("The dry run is ready: %(count)d emails.") % {"count": count},
        "url": reverse("reviews:reminders_preview") + (f"?{urlencode({'period': period})}" if period else ""),
        "link_label": _("Open the dry run"),
        "emails": count,
    }
