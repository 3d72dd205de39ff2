"""Failed logins (kept for the audit trail; the lockout counts them) and the sessions of each user."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LoginFailureQuerySet(models.QuerySet["LoginFailure"]):
    def counted(self) -> LoginFailureQuerySet:
        """The failures the lockout counts: wrong passwords and codes not cleared by a later success."""
        return self.filter(
            kind__in=[LoginFailure.Kind.PASSWORD, LoginFailure.Kind.CODE], cleared_at__isnull=True
        )


class LoginFailure(models.Model):
    class Kind(models.TextChoices):
        PASSWORD = "password", _("Wrong password")
        CODE = "code", _("Wrong code from the authenticator app")
        LOCKED = "locked", _("Refused while locked")

    username = models.CharField(_("username typed"), max_length=150)  # as typed, in lower case
    address = models.CharField(_("address"), max_length=45)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    cleared_at = models.DateTimeField(
        _("cleared by a successful login at"),
        null=True,
        blank=True,
        help_text=_("A later successful login of the same username from the same address."),
    )

    objects = LoginFailureQuerySet.as_manager()

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        indexes = [
            models.Index(fields=["username", "address", "-at"], name="loginfailure_user_address"),
            models.Index(fields=["address", "-at"], name="loginfailure_address"),
        ]

    def __str__(self) -> str:
        return f"{self.username} @ {self.address} {self.at:%Y-%m-%d %H:%M:%S}"


class UserSessionQuerySet(models.QuerySet["UserSession"]):
    def alive(self, now: dt.datetime | None = None) -> UserSessionQuerySet:
        """Not ended, and within both the idle timeout and the absolute lifetime."""
        now = now or timezone.now()
        return self.filter(
            ended_at__isnull=True,
            last_seen_at__gt=now - dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS),
            started_at__gt=now - dt.timedelta(seconds=settings.SESSION_MAX_SECONDS),
        )


class UserSession(models.Model):
    """One login: the session key it was given, when and where it started, when it was last seen."""

    class EndReason(models.TextChoices):
        LOGGED_OUT = "logged_out", _("Logged out")
        IDLE = "idle", _("Idle too long")
        EXPIRED = "expired", _("Reached its time limit")
        ENDED_ELSEWHERE = "ended_elsewhere", _("Ended from another session")

    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    # PROTECT: accounts are deactivated, never deleted (docs/rules.md)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="login_sessions", verbose_name=_("user")
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now)
    address = models.CharField(_("address"), max_length=45, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=20, choices=EndReason.choices, blank=True)

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("login session")
        verbose_name_plural = _("login sessions")
        indexes = [models.Index(fields=["user", "ended_at"], name="usersession_user_open")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="")
                | Q(ended_at__isnull=False) & ~Q(end_reason=""),
                name="usersession_ended_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.started_at:%Y-%m-%d %H:%M}"
