"""phuthang settings: one module, every deploy-time value from the environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
    "phuthang",
    "cells",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "phuthang.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
]

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
DATABASE_OWNER = dj_database_url.parse(DATABASE_OWNER_URL or DATABASE_URL)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            **DATABASE_OWNER,
            "USER": EMBEDDED_APP_ROLE,
            "PASSWORD": "",
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    }
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
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, str] = {}
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
        Path(_folder).mkdir(parents=True, exist_ok=True)  # the transport expects them to exist
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A request that enqueues never waits on a missing broker: one try, then the caller logs and moves on.
CELERY_TASK_PUBLISH_RETRY = False
# Integration tests give their workers a queue of their own on a shared Redis.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "celery")

# --- Reminders (reviews.services.reminders): how long a sender may hold a claimed email before another
# takes it over, the first retry delay (doubling, at most 6 h) and the attempts before giving up.
REMINDERS_LEASE_SECONDS = int(env("REMINDERS_LEASE_SECONDS", "300"))
REMINDERS_RETRY_SECONDS = int(env("REMINDERS_RETRY_SECONDS", "60"))
REMINDERS_MAX_ATTEMPTS = int(env("REMINDERS_MAX_ATTEMPTS", "8"))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY") else None
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("BEHIND_HTTPS_PROXY")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "INVALID_TEMPLATE_VARIABLE(%s)"  # type: ignore[index]
