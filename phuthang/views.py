from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header

from accounts.forms import LoginForm
from phuthang import access
from phuthang.models import Job, JobFile
from phuthang.paging import BoundedPaginator


def home(request: HttpRequest) -> HttpResponse:
    """Send each person to their own start page."""
    a = access.for_user(request.user)
    if a.sees_committee:
        return redirect("reviews:dashboard")
    if a.secretary_cell_ids:
        return redirect("reviews:cell_dashboard", pk=min(a.secretary_cell_ids))
    if a.overseer_cell_ids:
        return redirect("reviews:overseer_home")
    if a.member_id is not None:
        return redirect("reviews:member_home")
    return render(request, "phuthang/no_member.html")


@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True
    authentication_form = LoginForm


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 page; a refusal raised with a message (translated, for the user) says why and who may."""
    why = str(exception) if isinstance(exception, PermissionDenied) and exception.args else ""
    return render(request, "403.html", {"why": why}, status=403)


# --- Background jobs (phuthang.jobs): the job's page, its file and the staff's list.

JOBS_PER_PAGE = 50


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's state and progress; while it is live the page asks again every two seconds (htmx swaps
    in the status part only). Outside sight: 404."""
    job = get_object_or_404(Job.objects.visible_to(request.user).select_related("started_by"), pk=pk)
    has_file = not job.is_live and JobFile.objects.filter(job=job).exists()
    context = {"job": job, "has_file": has_file}
    if getattr(request, "htmx", False):  # django_htmx's middleware: the page asking for its status part
        return render(request, "phuthang/_job_status.html", context)
    return render(request, "phuthang/job_detail.html", context)


def job_file(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk, state=Job.State.DONE)
    stored = get_object_or_404(JobFile.objects.filter(job=job))
    response = HttpResponse(bytes(stored.data), content_type=stored.content_type)
    response["Content-Disposition"] = content_disposition_header(True, stored.name) or "attachment"
    return response


def job_index(request: HttpRequest) -> HttpResponse:
    """Every job, newest first (office staff only): what ran, for whom, and how it ended."""
    if not access.for_user(request.user).is_staff:
        raise Http404
    # queries: the page of jobs with who started them, their count (the paginator)
    page = BoundedPaginator(
        Job.objects.select_related("started_by").defer("params", "result").order_by("-created_at", "-pk"),
        JOBS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(request, "phuthang/job_index.html", {"page": page})
