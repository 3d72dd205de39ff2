from django.urls import path

from cells import views

app_name = "cells"
urlpatterns = [
    path("cells/", views.index, name="index"),
    path("cells/<int:pk>/", views.detail, name="detail"),
    path("members/<int:pk>/", views.member, name="member"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("oversight/", views.oversight, name="oversight"),
    path("oversight/<int:year>-<int:month>/edit/", views.oversight_edit, name="oversight_edit"),
    path("oversight/<int:year>-<int:month>/copy/", views.oversight_copy, name="oversight_copy"),
]
