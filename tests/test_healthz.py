"""GET /healthz: what a load balancer or an uptime check sees, with no login."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_with_json_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_does_not(client):
    with mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_healthz_needs_no_login_while_other_pages_do(client):
    assert client.get("/healthz").status_code == 200
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"].startswith("/accounts/login/")


def test_healthz_response_does_not_reveal_the_error(client):
    with mock.patch.object(
        CursorWrapper, "execute", side_effect=OperationalError('password authentication failed for user "x"')
    ):
        body = client.get("/healthz").content.decode()

    assert "password" not in body
