from django.urls import path

from cells import import_views, views

app_name = "cells"
urlpatterns = [
    path("cells/", views.index, name="index"),
    path("cells/<id:pk>/", views.detail, name="detail"),
    path("cells/<id:pk>/print/", views.cell_print, name="cell_print"),
    path("members/", views.members, name="members"),
    path("members/export.xlsx", views.members_xlsx, name="members_xlsx"),
    path("members/<id:pk>/", views.member, name="member"),
    path("members/<id:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<id:pk>/events/new/", views.member_event, name="member_event"),
    path("oversight/", views.oversight, name="oversight"),
    path("oversight/<year:year>-<month:month>/edit/", views.oversight_edit, name="oversight_edit"),
    path("oversight/candidates/", views.oversight_candidates, name="oversight_candidates"),
    path("oversight/<year:year>-<month:month>/copy/", views.oversight_copy, name="oversight_copy"),
    # the member list import (issue 14)
    path("members/import/", import_views.import_new, name="import_new"),
    path("members/import/template.xlsx", import_views.import_template, name="import_template"),
    path("members/imports/<id:pk>/", import_views.import_preview, name="import_preview"),
    path("members/imports/<id:pk>/columns/", import_views.import_columns, name="import_columns"),
    path("members/imports/<id:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
]
