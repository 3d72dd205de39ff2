from django.urls import path

from reviews.views import dashboard as dashboard_views
from reviews.views import feedback as feedback_views
from reviews.views import meetings, probation
from reviews.views import plans as plan_views
from reviews.views import pledges as pledge_views
from reviews.views import reminders as reminder_views
from reviews.views import reviews as review_views
from reviews.views import shortcomings as shortcoming_views

app_name = "reviews"
urlpatterns = [
    # probationary members due to become official (issue 14)
    path("probation/", probation.probation, name="probation"),
    # meetings (issue 3)
    path("meetings/", meetings.index, name="meetings"),
    path("meetings/cell/<id:cell_pk>/", meetings.year, name="meeting_year"),
    path("meetings/cell/<id:cell_pk>/new/", meetings.start, name="meeting_start"),
    path("meetings/<id:pk>/", meetings.detail, name="meeting"),
    path("meetings/<id:pk>/edit/", meetings.edit, name="meeting_edit"),
    path("meetings/<id:pk>/reopen/", meetings.reopen, name="meeting_reopen"),
    path("meetings/<id:pk>/withdraw/", meetings.withdraw, name="meeting_withdraw"),
    path("meetings/<id:pk>/minutes.docx", meetings.minutes_docx, name="meeting_docx"),
    path("meetings/<id:pk>/assess/", meetings.assess, name="meeting_assess"),
    path("meetings/attendance/", meetings.my_attendance, name="my_attendance"),
    # reviews, shortcomings and remediation (issue 4)
    path("review-rounds/", review_views.round_index, name="rounds"),
    path("review-rounds/new/", review_views.round_new, name="round_new"),
    path("review-rounds/<id:pk>/", review_views.round_detail, name="round"),
    path("review-rounds/<id:pk>/close/", review_views.round_close, name="round_close"),
    path("reviews/<id:pk>/", review_views.review_detail, name="review"),
    path("reviews/<id:pk>/self-assessment/", review_views.review_self_assess, name="review_self_assess"),
    path("reviews/<id:pk>/propose/", review_views.review_propose, name="review_propose"),
    path("reviews/<id:pk>/decide/", review_views.review_decide, name="review_decide"),
    path("reviews/<id:pk>/reopen/", review_views.review_reopen, name="review_reopen"),
    path("reviews/<id:pk>/withdraw/", review_views.review_withdraw, name="review_withdraw"),
    path("reviews/<id:pk>/history/", review_views.review_history, name="review_history"),
    path("cells/<id:pk>/reviews/", review_views.cell_reviews, name="cell_reviews"),
    path("members/<id:pk>/reviews/", review_views.member_reviews, name="member_reviews"),
    path("shortcomings/", shortcoming_views.board, name="board"),
    path("shortcomings/export.xlsx", shortcoming_views.board_export, name="board_export"),
    path("shortcomings/new/", shortcoming_views.shortcoming_new, name="shortcoming_new"),
    path("shortcomings/new/cells/", shortcoming_views.shortcoming_new_cells, name="shortcoming_new_cells"),
    path("shortcomings/<id:pk>/", shortcoming_views.shortcoming_detail, name="shortcoming"),
    path("shortcomings/<id:pk>/edit/", shortcoming_views.shortcoming_edit, name="shortcoming_edit"),
    path("shortcomings/<id:pk>/report/", shortcoming_views.shortcoming_report, name="shortcoming_report"),
    path("shortcomings/<id:pk>/status/", shortcoming_views.shortcoming_status, name="shortcoming_status"),
    path(
        "shortcomings/<id:pk>/extension/",
        shortcoming_views.shortcoming_extension,
        name="shortcoming_extension",
    ),
    path("shortcomings/<id:pk>/history/", shortcoming_views.shortcoming_history, name="shortcoming_history"),
    path("extensions/<id:pk>/decide/", shortcoming_views.extension_decide, name="extension_decide"),
    # citizens' feedback (issue 15)
    path("feedback/", feedback_views.index, name="feedback_index"),
    path("feedback/export.xlsx", feedback_views.export, name="feedback_export"),
    path("feedback/new/", feedback_views.new, name="feedback_new"),
    path("feedback/<id:pk>/", feedback_views.detail, name="feedback"),
    path("feedback/<id:pk>/classify/", feedback_views.classify, name="feedback_classify"),
    path("feedback/<id:pk>/step/", feedback_views.step, name="feedback_step"),
    path("feedback/<id:pk>/conclude/", feedback_views.conclude, name="feedback_conclude"),
    path("feedback/<id:pk>/shortcoming/", feedback_views.shortcoming, name="feedback_shortcoming"),
    path("feedback/<id:pk>/attach/", feedback_views.attach, name="feedback_attach"),
    path("feedback/<id:pk>/reply.docx", feedback_views.reply, name="feedback_reply"),
    path("feedback/scans/<id:pk>/", feedback_views.attachment, name="feedback_attachment"),
    path("feedback/report/", feedback_views.report, name="feedback_report"),
    path("feedback/report.xlsx", feedback_views.report_export, name="feedback_report_export"),
    path("feedback/report.docx", feedback_views.report_document, name="feedback_report_docx"),
    path("feedback/receptions/", feedback_views.receptions, name="feedback_receptions"),
    path("feedback/receptions/new/", feedback_views.reception_new, name="feedback_reception_new"),
    # reminders and inbox (issue 5)
    path("inbox/", reminder_views.inbox, name="inbox"),
    path("inbox/<id:pk>/", reminder_views.inbox_item, name="inbox_item"),
    path("inbox/read-all/", reminder_views.inbox_read_all, name="inbox_read_all"),
    path("reminders/", reminder_views.reminders_index, name="reminders"),
    path("reminders/preview/", reminder_views.reminders_preview, name="reminders_preview"),
    path(
        "reminders/preview/prepare/",
        reminder_views.reminders_preview_prepare,
        name="reminders_preview_prepare",
    ),
    path("reminders/run/", reminder_views.reminders_run, name="reminders_run"),
    path("reminders/<id:pk>/", reminder_views.reminder, name="reminder"),
    path("reminders/<id:pk>/as-sent/", reminder_views.reminder_body, name="reminder_body"),
    path("reminders/<id:pk>/retry/", reminder_views.reminder_retry, name="reminder_retry"),
    # dashboards (issue 13)
    path("dashboard/", dashboard_views.committee, name="dashboard"),
    path("dashboard/overseer/", dashboard_views.overseer, name="overseer_home"),
    path("dashboard/cell/<id:pk>/", dashboard_views.cell, name="cell_dashboard"),
    path("dashboard/me/", dashboard_views.member, name="member_home"),
    path("dashboard/cells/", dashboard_views.cells_grid, name="dashboard_grid"),
    path("dashboard/oversight/", dashboard_views.oversight_coverage, name="dashboard_oversight"),
    path("dashboard/report.docx", dashboard_views.ward_report, name="ward_report"),
    path("dashboard/cells/export.xlsx", dashboard_views.cells_grid_export, name="dashboard_grid_export"),
    path(
        "dashboard/oversight/export.xlsx",
        dashboard_views.oversight_coverage_export,
        name="dashboard_oversight_export",
    ),
    path(
        "dashboard/cell/<id:pk>/attendance.xlsx",
        dashboard_views.cell_attendance_export,
        name="cell_attendance_export",
    ),
    path("dashboard/needing-help.xlsx", dashboard_views.needing_help_export, name="needing_help_export"),
    # pledges (issue 12)
    path("pledges/", pledge_views.index, name="pledges"),
    path("pledges/campaigns/new/", pledge_views.campaign_new, name="pledge_campaign_new"),
    path("pledges/campaigns/<id:pk>/", pledge_views.campaign, name="pledge_campaign"),
    path("pledges/campaigns/<id:pk>/text/", pledge_views.campaign_text, name="pledge_campaign_text"),
    path("pledges/campaigns/<id:pk>/sign/", pledge_views.sign, name="pledge_sign"),
    path("pledges/campaigns/<id:pk>/cells/<id:cell_pk>/", pledge_views.cell, name="pledge_cell"),
    path(
        "pledges/campaigns/<id:pk>/cells/<id:cell_pk>/print/",
        pledge_views.cell_print,
        name="pledge_cell_print",
    ),
    path("pledges/campaigns/<id:pk>/paper/<id:member_pk>/", pledge_views.paper, name="pledge_paper"),
    path("pledges/<id:pk>/", pledge_views.detail, name="pledge"),
    path("pledges/<id:pk>/pledge.docx", pledge_views.docx, name="pledge_docx"),
    path("reviews/<id:pk>/pledge-lines/", pledge_views.review_lines, name="review_pledge_lines"),
    path("action-plans/", plan_views.index, name="action_plans"),
    path("action-plans/new/", plan_views.new, name="action_plan_new"),
    path("action-plans/<id:pk>/", plan_views.detail, name="action_plan"),
    path("action-plans/items/<id:pk>/note/", plan_views.note, name="action_plan_note"),
]
