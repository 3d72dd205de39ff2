from django.urls import path

from cells import views

app_name = "cells"
urlpatterns = [
    path("cells/", views.index, name="index"),
    path("cells/<id:pk>/", views.detail, name="detail"),
    path("members/<id:pk>/", views.member, name="member"),
    path("members/<id:pk>/edit/", views.member_edit, name="member_edit"),
    path("oversight/", views.oversight, name="oversight"),
    path("oversight/<year:year>-<month:month>/edit/", views.oversight_edit, name="oversight_edit"),
    path("oversight/<year:year>-<month:month>/copy/", views.oversight_copy, name="oversight_copy"),
]
