"""The rules of the Party's regulations that phuthang computes with, as data staff can edit.

Defaults come from ../shared/data/rules.yaml (copied to reviews/data/rules.yaml) through a data migration;
each value is one row, keyed by its dotted path, e.g. ``meeting_quality.attendance_above``.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from phuthang.history import tracked


@tracked()
class Rule(models.Model):
    key = models.CharField(_("key"), max_length=100, unique=True)
    value = models.JSONField(_("value"))
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


def rule(key: str, default: Any = None) -> Any:
    """The current value of one rule (one query; call once per page or task, not per row)."""
    found = Rule.objects.filter(key=key).values_list("value", flat=True).first()
    return default if found is None else found


def rules(prefix: str) -> dict[str, Any]:
    """All rules under a prefix, keyed by the rest of their path: rules("meeting_quality")["min_minutes"]."""
    start = prefix.rstrip(".") + "."
    return {
        key.removeprefix(start): value
        for key, value in Rule.objects.filter(key__startswith=start).values_list("key", "value")
    }
