from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/end/", views.sessions_end, name="sessions_end"),
    path("otp/", views.otp_verify, name="otp_verify"),
    path("otp/enrol/", views.otp_enrol, name="otp_enrol"),
]
