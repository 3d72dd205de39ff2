from django.urls import path

from reviews.views import meetings
from reviews.views import reminders as reminder_views
from reviews.views import reviews as review_views
from reviews.views import shortcomings as shortcoming_views

app_name = "reviews"
urlpatterns = [
    # meetings (issue 3)
    path("meetings/", meetings.index, name="meetings"),
    path("meetings/cell/<int:cell_pk>/", meetings.year, name="meeting_year"),
    path("meetings/cell/<int:cell_pk>/new/", meetings.start, name="meeting_start"),
    path("meetings/<int:pk>/", meetings.detail, name="meeting"),
    path("meetings/<int:pk>/edit/", meetings.edit, name="meeting_edit"),
    path("meetings/<int:pk>/reopen/", meetings.reopen, name="meeting_reopen"),
    path("meetings/<int:pk>/withdraw/", meetings.withdraw, name="meeting_withdraw"),
    path("meetings/<int:pk>/minutes.docx", meetings.minutes_docx, name="meeting_docx"),
    path("meetings/<int:pk>/assess/", meetings.assess, name="meeting_assess"),
    path("meetings/attendance/", meetings.my_attendance, name="my_attendance"),
    # reviews, shortcomings and remediation (issue 4)
    path("review-rounds/", review_views.round_index, name="rounds"),
    path("review-rounds/new/", review_views.round_new, name="round_new"),
    path("review-rounds/<int:pk>/", review_views.round_detail, name="round"),
    path("review-rounds/<int:pk>/close/", review_views.round_close, name="round_close"),
    path("reviews/<int:pk>/", review_views.review_detail, name="review"),
    path("reviews/<int:pk>/self-assessment/", review_views.review_self_assess, name="review_self_assess"),
    path("reviews/<int:pk>/propose/", review_views.review_propose, name="review_propose"),
    path("reviews/<int:pk>/decide/", review_views.review_decide, name="review_decide"),
    path("reviews/<int:pk>/reopen/", review_views.review_reopen, name="review_reopen"),
    path("reviews/<int:pk>/withdraw/", review_views.review_withdraw, name="review_withdraw"),
    path("reviews/<int:pk>/history/", review_views.review_history, name="review_history"),
    path("cells/<int:pk>/reviews/", review_views.cell_reviews, name="cell_reviews"),
    path("members/<int:pk>/reviews/", review_views.member_reviews, name="member_reviews"),
    path("shortcomings/", shortcoming_views.board, name="board"),
    path("shortcomings/export.xlsx", shortcoming_views.board_export, name="board_export"),
    path("shortcomings/new/", shortcoming_views.shortcoming_new, name="shortcoming_new"),
    path("shortcomings/<int:pk>/", shortcoming_views.shortcoming_detail, name="shortcoming"),
    path("shortcomings/<int:pk>/edit/", shortcoming_views.shortcoming_edit, name="shortcoming_edit"),
    path("shortcomings/<int:pk>/report/", shortcoming_views.shortcoming_report, name="shortcoming_report"),
    path("shortcomings/<int:pk>/status/", shortcoming_views.shortcoming_status, name="shortcoming_status"),
    path(
        "shortcomings/<int:pk>/extension/",
        shortcoming_views.shortcoming_extension,
        name="shortcoming_extension",
    ),
    path("shortcomings/<int:pk>/history/", shortcoming_views.shortcoming_history, name="shortcoming_history"),
    path("extensions/<int:pk>/decide/", shortcoming_views.extension_decide, name="extension_decide"),
    # reminders and inbox (issue 5)
    path("inbox/", reminder_views.inbox, name="inbox"),
    path("inbox/<int:pk>/", reminder_views.inbox_item, name="inbox_item"),
    path("inbox/read-all/", reminder_views.inbox_read_all, name="inbox_read_all"),
    path("reminders/", reminder_views.reminders_index, name="reminders"),
    path("reminders/preview/", reminder_views.reminders_preview, name="reminders_preview"),
    path("reminders/run/", reminder_views.reminders_run, name="reminders_run"),
    path("reminders/<int:pk>/", reminder_views.reminder, name="reminder"),
    path("reminders/<int:pk>/as-sent/", reminder_views.reminder_body, name="reminder_body"),
    path("reminders/<int:pk>/retry/", reminder_views.reminder_retry, name="reminder_retry"),
]
