"""phuthang settings: one module, every deploy-time value from the environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


# With no DATABASE_URL this is a developer's machine on the embedded database: DEBUG defaults on there,
# so `manage.py` works with no environment set. Deployments set DATABASE_URL, so DEBUG defaults off.
DEBUG = env_bool("DEBUG", default=not env("DATABASE_URL"))
TESTING = env_bool("PHUTHANG_TESTING") or "pytest" in sys.modules

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-not-secret-phuthang"

ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "js_lib_bootstrap5",
    "js_lib_bootstrap_icons",
    "django_htmx",
    "pgtrigger",
    "pghistory",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "phuthang",
    "accounts",
    "cells",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "phuthang.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed (gzip) for phones on mobile data: below whitenoise, which serves static files
    # precompressed (gzip and brotli, made by collectstatic), above everything that writes the body.
    # BREACH: Django masks the CSRF token afresh in every response and pads the gzip header at random
    # (docs/security.md, "Compression").
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "phuthang.middleware.LanguageMiddleware",
    "phuthang.middleware.QueryStringMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
]
if env_bool("PHUTHANG_BENCH"):  # `make bench`: each response says how many queries it ran (X-Queries)
    MIDDLEWARE.insert(0, "phuthang.middleware.QueryCountMiddleware")

ROOT_URLCONF = "phuthang.urls"
WSGI_APPLICATION = "phuthang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "phuthang.context_processors.navigation",
            ],
        },
    }
]

# --- Database: PostgreSQL only, two roles (docs/security.md, "Database roles"). The application connects
# with DATABASE_URL, as a role that owns nothing; `migrate` and `db_roles` connect with DATABASE_OWNER_URL,
# the role that owns the tables (unset: DATABASE_URL's, one role for both as before). Without DATABASE_URL
# an embedded server is started in .data/pg: its superuser is the owner, the application is phuthang_app.
DATABASE_URL = env("DATABASE_URL")
DATABASE_OWNER_URL = env("DATABASE_OWNER_URL")
EMBEDDED_APP_ROLE = "phuthang_app"
if not DATABASE_URL:
    from phuthang.embedded_db import database_url

    DATABASE_OWNER_URL = DATABASE_OWNER_URL or database_url(BASE_DIR / ".data" / "pg")
# Persistent connections in production (gunicorn's few workers each keep one), checked before reuse
# (conn_health_checks): after PostgreSQL restarts, each process's first request notices the dead connection
# and opens a new one, so errors stop once the server is back, with no restart of the app
# (docs/operations.md). Under DEBUG (runserver, one thread per request, each holding its own connection
# until it ages out) every request closes its own: persistent ones there filled the server's 100 slots with
# 8 clients. connect_timeout bounds a request's wait for a server that does not answer at all.
CONN_MAX_AGE = int(env("CONN_MAX_AGE", "0" if DEBUG else "600"))
DATABASE_OWNER = dj_database_url.parse(DATABASE_OWNER_URL or DATABASE_URL)
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)
    }
else:
    DATABASES = {
        "default": {
            **DATABASE_OWNER,
            "USER": EMBEDDED_APP_ROLE,
            "PASSWORD": "",
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
    }
for _database in (DATABASES["default"], DATABASE_OWNER):
    _database["OPTIONS"] = {"connect_timeout": 5, **_database.get("OPTIONS", {})}
# A statement that runs longer than this is cancelled (PostgreSQL's statement_timeout, in seconds): a web
# request stuck on a lock or a runaway query answers an error before gunicorn's timeout kills its worker.
# The Celery worker's connections get the longer DATABASE_WORKER_STATEMENT_TIMEOUT (phuthang/celery.py):
# a job may insert a province's reviews in one statement. The owner's connection (migrate) has none.
DATABASE_STATEMENT_TIMEOUT = int(env("DATABASE_STATEMENT_TIMEOUT", "20"))
DATABASE_WORKER_STATEMENT_TIMEOUT = int(env("DATABASE_WORKER_STATEMENT_TIMEOUT", "600"))
# a list page counts at most this many rows and pages no further (phuthang/paging.py, docs/scaling.md)
PAGE_COUNT_CAP = int(env("PAGE_COUNT_CAP", "10000"))


DATABASE_OPTIONS_GIVEN = str(DATABASES["default"]["OPTIONS"].get("options", ""))  # from DATABASE_URL, if any


def statement_timeout_options(database: Any, seconds: int) -> None:  # a DATABASES entry
    """Set the connection's statement_timeout (0: none), after any `options` DATABASE_URL gave."""
    database["OPTIONS"]["options"] = f"{DATABASE_OPTIONS_GIVEN} -c statement_timeout={seconds * 1000}".strip()


statement_timeout_options(DATABASES["default"], DATABASE_STATEMENT_TIMEOUT)
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("phuthang runs on PostgreSQL only; DATABASE_URL must be postgres://…")
# The application's own connection, as configured: `migrate` points DATABASES at the owner while it runs.
DATABASE_APP = {**DATABASES["default"]}
if (DATABASE_OWNER["ENGINE"], DATABASE_OWNER["NAME"]) != (
    DATABASES["default"]["ENGINE"],
    DATABASES["default"]["NAME"],
):
    raise ImproperlyConfigured("DATABASE_OWNER_URL must name the same PostgreSQL database as DATABASE_URL.")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# The lockout backend refuses a locked username or address before checking the password (docs/security.md).
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time: Vietnamese first, Vietnam time.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# Ours first (it wins for a msgid both hold), then the packages' strings Django's or the package's own
# catalogue lacks in Vietnamese (locale_packages: kept by hand, makemessages never writes there).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_packages"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["phuthang.formats"]

# --- Static files come from Python packages (Bootstrap) and static/; whitenoise serves them.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "phuthang <no-reply@phuthang.local>")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Celery: Redis in production; with no broker set, a filesystem broker that needs no server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, str | int] = {}
if not CELERY_BROKER_URL:
    _broker_dir = BASE_DIR / ".data" / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
    }
    for _folder in CELERY_BROKER_TRANSPORT_OPTIONS.values():
        Path(str(_folder)).mkdir(parents=True, exist_ok=True)  # the transport expects them to exist
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Workers and beat wait for the broker as long as it takes, at start and after losing it: a Redis outage
# delays reminders and nothing else (the ledger is in the database; docs/operations.md).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
if CELERY_BROKER_URL.startswith(("redis://", "rediss://", "unix://")):
    # A Redis that accepts the connection but does not answer (stopped, swapping, a half-open link) fails
    # a publish within seconds instead of holding the caller forever.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 5, "socket_connect_timeout": 2}
    # Background jobs (phuthang.jobs) are acknowledged when they end: the message of a worker that died
    # half-way is handed to another worker once it has been unacknowledged this long (seconds). It must be
    # longer than the longest job; the integration tests shorten it, and how often it is checked.
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = int(env("CELERY_VISIBILITY_TIMEOUT", "3600"))
    if _restore := env("CELERY_UNACKED_RESTORE_SECONDS"):
        CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_interval"] = int(_restore)
        CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_throttle"] = 1
# A request that enqueues never waits on a missing broker: one try, then the caller logs and moves on.
CELERY_TASK_PUBLISH_RETRY = False
# Integration tests give their workers a queue of their own on a shared Redis.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "celery")

# --- Reminders (reviews.services.reminders): how long a sender may hold a claimed email before another
# takes it over, the first retry delay (doubling, at most 6 h) and the attempts before giving up.
REMINDERS_LEASE_SECONDS = int(env("REMINDERS_LEASE_SECONDS", "300"))
REMINDERS_RETRY_SECONDS = int(env("REMINDERS_RETRY_SECONDS", "60"))
REMINDERS_MAX_ATTEMPTS = int(env("REMINDERS_MAX_ATTEMPTS", "8"))

# Member lists uploaded by the office (docs/member-import.md): larger files or more rows are refused.
MEMBER_IMPORT_MAX_BYTES = int(env("MEMBER_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
MEMBER_IMPORT_MAX_ROWS = int(env("MEMBER_IMPORT_MAX_ROWS", "20000"))
MEMBER_IMPORT_BACKGROUND_ROWS = int(
    env("MEMBER_IMPORT_BACKGROUND_ROWS", "500")
)  # more: imported by the worker

# --- Logging in (docs/security.md): lockout, the proxies whose X-Forwarded-For is believed, sessions, TOTP.
LOGIN_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))  # one username from one address
LOGIN_FAILURE_LIMIT_PER_ADDRESS = int(env("LOGIN_FAILURE_LIMIT_PER_ADDRESS", "20"))  # any usernames
LOGIN_LOCKOUT_SECONDS = int(env("LOGIN_LOCKOUT_SECONDS", "900"))  # the window, and the lock after the last
TRUSTED_PROXIES = [p.strip() for p in env("TRUSTED_PROXIES").split(",") if p.strip()]
SESSION_IDLE_SECONDS = int(env("SESSION_IDLE_SECONDS", str(2 * 3600)))
SESSION_MAX_SECONDS = int(env("SESSION_MAX_SECONDS", str(12 * 3600)))
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS  # the cookie and the stored session die with the absolute limit
OTP_REQUIRED_FOR = [k.strip() for k in env("OTP_REQUIRED_FOR").split(",") if k.strip()]
if _unknown := set(OTP_REQUIRED_FOR) - {"staff", "leader", "inspector"}:
    raise ImproperlyConfigured(f"OTP_REQUIRED_FOR: unknown role kinds {sorted(_unknown)}")
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "phuthang")
# The lockout counts wrong codes; django-otp's own growing delay would refuse a right code typed next.
OTP_TOTP_THROTTLE_FACTOR = 0


# --- HTTPS and browser protections (phuthang/security.py adds the Content-Security-Policy and no-store;
# docs/security.md, "Deployment"). Behind a TLS-terminating proxy: trust its X-Forwarded-Proto, redirect
# plain HTTP to HTTPS, send cookies only over HTTPS and tell browsers to come back over HTTPS only (HSTS).
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_HTTPS_PROXY else None
SECURE_SSL_REDIRECT = BEHIND_HTTPS_PROXY
# /healthz is probed over plain HTTP from inside the host.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = BEHIND_HTTPS_PROXY
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600) if BEHIND_HTTPS_PROXY else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
# Asking the browsers' makers to build the domain into their HSTS list is the domain owner's decision, and
# hard to undo: off unless SECURE_HSTS_PRELOAD says so, and check --deploy's reminder of it (W021) is
# silenced only while it is off. Every other deployment check passes (tests/test_deploy.py).
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# img-src adds data: for the small SVG icons Bootstrap's own CSS carries inline (the menu button, the
# select arrow, the validation marks); a data: image runs no script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "INVALID_TEMPLATE_VARIABLE(%s)"  # type: ignore[index]
