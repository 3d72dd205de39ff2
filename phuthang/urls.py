from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from phuthang import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("cells.urls")),
    path("", include("reviews.urls")),
]

handler404 = "phuthang.views.not_found"
handler403 = "phuthang.views.forbidden"
