from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, register_converter
from django.views.i18n import set_language

from phuthang import safe_input, views

# ids of at most 18 digits, 4-digit years and 1–2-digit months: a longer number is a 404, never an overflow
register_converter(safe_input.IdConverter, "id")
register_converter(safe_input.YearConverter, "year")
register_converter(safe_input.MonthConverter, "month")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("jobs/", views.job_index, name="jobs"),
    path("jobs/<id:pk>/", views.job_detail, name="job"),
    path("jobs/<id:pk>/file/", views.job_file, name="job_file"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("language/", login_not_required(set_language), name="set_language"),
    path("", include("cells.urls")),
    path("", include("reviews.urls")),
]

handler404 = "phuthang.views.not_found"
handler403 = "phuthang.views.forbidden"
