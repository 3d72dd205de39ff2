"""The member list import: the template, the upload, the columns of a foreign file, the preview, the import.

Kept apart from cells/views.py for its size; the views read the same way: sight (404), permission (403),
form, one service, redirect.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cells import importing, services
from cells.forms import ImportColumnsForm, MemberListForm
from cells.models import Cell, Committee, MemberImport
from phuthang import access, jobs, submits, xlsx
from phuthang.http import AuthenticatedHttpRequest

PREVIEW_ROWS = 300  # rows listed with what they will do; every problem is listed whatever the count


def _scopes(request: HttpRequest) -> dict[str, importing.Scope]:
    """Where the user may import: any committee for office staff, their own cells for a secretary."""
    a = access.for_user(request.user)
    scopes: dict[str, importing.Scope] = {}
    if a.is_staff:
        for committee in Committee.objects.order_by("code"):
            scopes[f"committee:{committee.pk}"] = importing.Scope(committee=committee)
    for cell in Cell.objects.filter(pk__in=a.secretary_cell_ids).select_related("committee").order_by("code"):
        scopes[f"cell:{cell.pk}"] = importing.Scope(committee=cell.committee, cell=cell)
    return scopes


def _label(scope: importing.Scope) -> str:
    return scope.cell.name if scope.cell else scope.committee.name


def _allowed(request: HttpRequest) -> None:
    if not access.can_import_members(request.user):
        raise PermissionDenied


def import_template(request: HttpRequest) -> HttpResponse:
    """The XLSX template: the expected columns and one example row."""
    _allowed(request)
    scopes = list(_scopes(request).values())
    example = scopes[0].cell if scopes and scopes[0].cell else Cell.objects.active().first()
    return xlsx.xlsx_response(importing.template_xlsx(example), filename="mau-danh-sach-dang-vien.xlsx")


def import_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    _allowed(request)
    scopes = _scopes(request)
    form = MemberListForm(
        request.POST or None, request.FILES or None, scopes=[(k, _label(s)) for k, s in scopes.items()]
    )
    outcome = submits.repeat(request)
    if outcome is None and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(importing.max_bytes() + 1)
        create = partial(
            services.upload_member_list,
            scope=scopes[form.cleaned_data["scope"]],
            file_name=str(upload.name or ""),
            content=content,
            by=request.user,
        )
        try:
            outcome = submits.once(request, form, create)
        except ValidationError as error:
            form.add_error("file", error)
    if outcome is not None:
        submits.say(request, outcome, _("File received: check the preview, then import."))
        return redirect("cells:import_preview", pk=outcome.record.pk)
    recent = MemberImport.objects.visible_to(request.user).select_related("uploaded_by")[:10]
    return render(request, "cells/import_new.html", {"form": form, "recent": recent})


def _import_or_404(request: HttpRequest, pk: int) -> MemberImport:
    upload = get_object_or_404(
        MemberImport.objects.visible_to(request.user).select_related("committee", "cell", "uploaded_by"),
        pk=pk,
    )
    _allowed(request)
    return upload


def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """What confirming would do to each row, and every problem by row and column; writes nothing."""
    upload = _import_or_404(request, pk)
    try:
        table, plan = services.plan_import(upload)
    except importing.Refused as refused:
        return render(request, "cells/import_preview.html", {"upload": upload, "refused": refused.messages})
    if plan is None:
        return redirect("cells:import_columns", pk=upload.pk)
    imported = upload.status == MemberImport.Status.IMPORTED
    context = {
        "upload": upload,
        "plan": plan,
        "rows": plan.rows[:PREVIEW_ROWS],
        "more_rows": max(0, len(plan.rows) - PREVIEW_ROWS),
        "problems": [
            (row.number, column, message) for row in plan.problems for column, message in row.problems
        ],
        "new": plan.count(importing.NEW),
        "update": plan.count(importing.UPDATE),
        "unchanged": plan.count(importing.UNCHANGED),
        "imported": imported,
        "earlier": services.earlier_import(upload),
        "header": table.header,
    }
    return render(request, "cells/import_preview.html", context)


def import_columns(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Map the columns of a file not in the template's shape; remembered for the next file of that shape."""
    upload = _import_or_404(request, pk)
    try:
        table = importing.read_table(bytes(upload.upload.content))
        current = services.import_mapping(upload, table)
    except importing.Refused as refused:
        return render(request, "cells/import_preview.html", {"upload": upload, "refused": refused.messages})
    form = ImportColumnsForm(request.POST or None, header=table.header, current=current)
    if form.is_valid():
        try:
            services.save_import_mapping(upload, header=table.header, columns=form.columns(), by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Columns saved: the next file with these headers uses them too."))
            return redirect(upload)
    return render(request, "cells/import_columns.html", {"upload": upload, "form": form})


@require_POST
def import_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    upload = _import_or_404(request, pk)
    was_imported = upload.status == MemberImport.Status.IMPORTED
    if not was_imported and upload.rows > settings.MEMBER_IMPORT_BACKGROUND_ROWS:
        job = jobs.start(
            "registry_import",
            key=f"{upload.committee_id}:{upload.pk}",
            by=request.user,
            params={"import_id": upload.pk},
            committee_id=upload.committee_id,
        )
        return redirect(job.get_absolute_url())
    try:
        done = services.import_members(upload, by=request.user)
    except importing.Refused as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect(upload)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(upload)
    if was_imported:
        messages.info(request, _("Already imported: this file was imported once, nothing more changed."))
    elif done.created + done.updated == 0:
        messages.info(request, _("Nothing changed: every member in the file is already as it says."))
    else:
        messages.success(
            request,
            _("Imported: %(created)d new members, %(updated)d updated, %(unchanged)d unchanged.")
            % {"created": done.created, "updated": done.updated, "unchanged": done.unchanged},
        )
    return redirect(upload)
