from django.urls import path  # noqa: F401 - each feature adds its patterns below

from reviews.views import meetings

app_name = "reviews"
urlpatterns = [
    # meetings (issue 3)
    path("meetings/", meetings.index, name="meetings"),
    path("meetings/cell/<int:cell_pk>/", meetings.year, name="meeting_year"),
    path("meetings/cell/<int:cell_pk>/new/", meetings.start, name="meeting_start"),
    path("meetings/<int:pk>/", meetings.detail, name="meeting"),
    path("meetings/<int:pk>/edit/", meetings.edit, name="meeting_edit"),
    path("meetings/<int:pk>/reopen/", meetings.reopen, name="meeting_reopen"),
    path("meetings/<int:pk>/minutes.docx", meetings.minutes_docx, name="meeting_docx"),
    path("meetings/<int:pk>/assess/", meetings.assess, name="meeting_assess"),
    path("meetings/attendance/", meetings.my_attendance, name="my_attendance"),
    # reviews, shortcomings and remediation (issue 4)
    # reminders and inbox (issue 5)
]
