"""Deployment defaults: Django's deployment checks, the headers every response carries, `next` addresses.

docs/security.md, "Deployment", says why each is there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from phuthang.security import safe_next
from tests.factories import make_meeting, make_notification, make_review, make_shortcoming

BASE_DIR = Path(settings.BASE_DIR)
CSP = (
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)
PRODUCTION = {
    "SECRET_KEY": "x7#kq!2v9" * 8,  # 72 characters, varied: Django's W009 wants ≥ 50 and ≥ 5 distinct
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/phuthang_unused",  # the checks never connect
    "ALLOWED_HOSTS": "phuthang.example.org",
    "BEHIND_HTTPS_PROXY": "1",
    "CELERY_BROKER_URL": "memory://",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`manage.py …` in a fresh interpreter whose environment holds only what is given."""
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deployment_checks_pass_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_without_the_https_proxy_the_deployment_checks_say_what_is_missing():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "BEHIND_HTTPS_PROXY": "0"}
    )
    assert result.returncode != 0
    for check in ("W004", "W008", "W012", "W016"):  # HSTS, HTTPS redirect, session and CSRF cookies
        assert f"security.{check}" in result.stderr


def settings_in(env: dict[str, str], *names: str) -> dict[str, object]:
    """The named settings as a fresh interpreter with only `env` sees them."""
    code = f"import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "phuthang.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_behind_the_proxy_cookies_are_secure_hsts_lasts_a_year_and_connections_persist():
    values = settings_in(
        PRODUCTION,
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "CONN_MAX_AGE",
    )
    assert values == {
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "CONN_MAX_AGE": 600,
    }


def test_the_development_server_closes_its_connections_after_each_request():
    development = {"DEBUG": "1", "DATABASE_URL": PRODUCTION["DATABASE_URL"], "CELERY_BROKER_URL": "memory://"}
    assert settings_in(development, "CONN_MAX_AGE") == {"CONN_MAX_AGE": 0}


def test_every_page_carries_the_content_security_policy_and_the_browser_protections(client, secretary):
    for response in (client.get("/accounts/login/"), client.get("/healthz")):
        assert response["Content-Security-Policy"] == CSP
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
    client.force_login(secretary)
    response = client.get("/cells/")
    assert response.status_code == 200 and response["Content-Security-Policy"] == CSP


def test_hsts_is_sent_over_https(client, settings, db):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = client.get("/healthz", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_logged_in_pages_and_exports_are_never_stored(client, ward, inspector, secretary):
    make_shortcoming(ward.cell01)
    meeting = make_meeting(ward.cell01)
    client.force_login(inspector)
    for path in ("/", "/cells/", "/shortcomings/", "/shortcomings/export.xlsx", "/no-such-page/"):
        response = client.get(path)
        assert no_store(response), (path, response.get("Cache-Control"))
    client.force_login(secretary)
    response = client.get(f"/meetings/{meeting.pk}/minutes.docx")
    assert response.status_code == 200 and no_store(response)


def test_static_files_keep_their_caching(settings, secretary):
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True  # as under runserver
    client = Client()  # a new client, whose whitenoise reads the settings above
    client.force_login(secretary)
    response = client.get("/static/css/phuthang.css")
    assert response.status_code == 200
    response.close()  # whitenoise streams the open file
    assert "max-age=" in response["Cache-Control"] and "no-store" not in response["Cache-Control"]


def test_the_email_as_sent_has_its_own_policy_and_only_this_site_frames_it(client, ward, leader):
    digest = make_notification(ward.members01[0]).digest
    digest.body_html = '<p style="color: red">Nhắc việc</p>'
    digest.body_text = "Nhắc việc"
    digest.save()
    client.force_login(leader)
    page = client.get(f"/reminders/{digest.pk}/").content.decode()
    assert f'src="/reminders/{digest.pk}/as-sent/"' in page and "srcdoc" not in page
    response = client.get(f"/reminders/{digest.pk}/as-sent/")
    assert response.content.decode() == '<p style="color: red">Nhắc việc</p>'
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy and "sandbox" in policy
    assert "script" not in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"


HOSTILE = [
    "//evil.example",
    "https://evil.example",
    "https://evil.example/shortcomings/",
    "javascript:alert(1)",
    "/\\evil.example",
    "\\\\evil.example",
    "http://testserver.evil.example/",
    "/\t/evil.example",
    " //evil.example",
]


@pytest.mark.parametrize("target", [*HOSTILE, "/\x01/evil.example", "/cells/\n"])
def test_safe_next_refuses_other_sites(rf, target):
    request = rf.get("/")
    assert safe_next(request, target, "/fallback/") == "/fallback/"


@pytest.mark.parametrize("target", ["/shortcomings/?cell=3", "/cells/", "/"])
def test_safe_next_keeps_this_sites_addresses(rf, target):
    assert safe_next(rf.get("/"), target, "/fallback/") == target


def test_a_full_address_even_of_this_site_is_refused_a_path_is_enough(rf):
    request = rf.get("/", secure=True)
    assert safe_next(request, "http://testserver/cells/", "/fallback/") == "/fallback/"
    assert safe_next(request, "https://testserver/cells/", "/fallback/") == "/fallback/"


@pytest.mark.parametrize("target", HOSTILE)
def test_deciding_a_review_never_sends_the_leader_to_another_site(client, ward, leader, target):
    review = make_review(member=ward.members01[0], status="proposed")
    client.force_login(leader)
    response = client.post(f"/reviews/{review.pk}/decide/", {"version": 1, "rating": "good", "next": target})
    assert response.status_code == 302
    assert response["Location"] == review.get_absolute_url()


@pytest.mark.parametrize("target", HOSTILE)
def test_a_shortcoming_action_never_sends_ubkt_to_another_site(client, ward, inspector, target):
    item = make_shortcoming(ward.cell01, status="reported_fixed")
    client.force_login(inspector)
    response = client.post(
        f"/shortcomings/{item.pk}/status/",
        {"action": "verify", "note": "Đã kiểm tra", "version": 1, "next": target, "confirmed": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == item.get_absolute_url()


@pytest.mark.parametrize("target", HOSTILE)
def test_logging_in_and_switching_language_stay_on_this_site(client, secretary, target):
    secretary.set_password("a-long-test-password")
    secretary.save()
    response = client.post(
        "/accounts/login/",
        {"username": secretary.username, "password": "a-long-test-password", "next": target},
    )
    assert response.status_code == 302 and "evil" not in response["Location"]
    response = client.post("/language/", {"language": "en", "next": target})
    assert response.status_code == 302 and "evil" not in response["Location"]
