from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator

from accounts.forms import LoginForm
from phuthang import access


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
