"""Project-wide rows that belong to no app's records: the one-time tokens of create forms (phuthang.submits)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmitToken(models.Model):
    """A create form sent once: the token it carried, who sent it, from which page, and what it created.

    The unique token is what makes a double submit safe: a second insert of the same token waits for the
    first transaction and then fails, so only one POST creates. The row is written before the record and
    names it once it exists; it is never deleted (one small row per record created).
    """

    token = models.CharField(_("token"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("user")
    )
    form = models.CharField(_("form"), max_length=100)  # the URL name of the page, "reviews:shortcoming_new"
    content_type = models.ForeignKey(
        ContentType, models.PROTECT, null=True, related_name="+", verbose_name=_("record kind")
    )
    object_id = models.BigIntegerField(_("record"), null=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("form sent")
        verbose_name_plural = _("forms sent")
        constraints = [models.UniqueConstraint(fields=["token"], name="one_create_per_submit_token")]

    def __str__(self) -> str:
        return f"{self.form} {self.token[:8]}…"
