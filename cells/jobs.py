"""The organisation's background jobs (phuthang.jobs): copying a month's oversight for a committee too
large for one request (a province's thousands of cells), and importing a member list too large to import
in a request."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cells import services
from cells.models import Committee, MemberImport
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


@jobs.job_kind("registry_import", title=gettext_lazy("Import members"))
def registry_import(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """Import a previewed file, all or nothing, in the job's one transaction (a re-run finds it done)."""
    upload = MemberImport.objects.filter(pk=job.params.get("import_id")).first()
    if upload is None:
        raise ValidationError(_("The file to import is no longer there."))
    was_imported = upload.status == MemberImport.Status.IMPORTED
    done = services.import_members(upload, by=job.started_by, progress=progress)
    if was_imported:
        message = _("Already imported: this file was imported once, nothing more changed.")
    else:
        message = _("Imported: %(created)d new members, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": done.created,
            "updated": done.updated,
            "unchanged": done.unchanged,
        }
    return {
        "message": message,
        "url": done.get_absolute_url(),
        "link_label": str(_("Open the import")),
        "created": done.created,
        "updated": done.updated,
    }
