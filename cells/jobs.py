"""The organisation's background jobs (phuthang.jobs): copying a month's oversight for a committee too
large for one request (a province's thousands of cells)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cells import services
from cells.models import Committee
from phuthang import jobs
from phuthang.models import Job


@jobs.job_kind("oversight_copy", title=gettext_lazy("Copy last month's oversight"))
def oversight_copy(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    committee = Committee.objects.get(pk=job.params["committee"])
    month = dt.date.fromisoformat(job.params["month"])
    progress(0, 1)
    copied = services.copy_oversight(committee, month=month, by=job.started_by)
    progress(1)
    return {
        "message": _("%(count)d assignments copied from last month.") % {"count": copied},
        "url": f"/oversight/{month:%Y-%m}/edit/?committee={committee.pk}",
        "link_label": _("Oversight of %(month)s") % {"month": date_format(month, "YEAR_MONTH_FORMAT")},
        "copied": copied,
    }
