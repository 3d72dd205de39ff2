"""The history of a tracked row (pghistory events) as people read it: field labels and display values.

Events store raw column values (`decided_by_id: 7`, `status: "proposed"`, ISO dates). Each page shows the
field's verbose name, a choice's label, a rating's name, a person's name and dates as dd/mm/yyyy in Vietnam
time. Related rows are fetched in one query per related model, whatever the number of events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from pghistory.models import MiddlewareEvents

from reviews.models.reviews import RatingLevels

if TYPE_CHECKING:
    from django.contrib.auth import models as auth

HIDDEN = {"id", "version"}  # bookkeeping: every save bumps the version, nobody reads it
RATING_FIELDS = {"proposed_rating", "decided_rating"}
SELECT_RELATED = {"Meeting": ("cell",), "Review": ("cell", "member"), "User": ("member",)}
EMPTY = "—"


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def _person(user: auth.User) -> str:
    member = getattr(user, "member", None)
    return member.full_name if member is not None else user.get_username()


def _related_names(model: type[models.Model], ids: set[Any]) -> dict[Any, str]:
    """{pk: what a person reads} for the rows of one related model (one query)."""
    related = SELECT_RELATED.get(model.__name__, ())
    user_model = get_user_model()
    if model is user_model:
        return {
            u.pk: _person(u) for u in user_model._default_manager.filter(pk__in=ids).select_related(*related)
        }
    qs = model._default_manager.filter(pk__in=ids).select_related(*related)
    return {obj.pk: getattr(obj, "label", None) or str(obj) for obj in qs}


def _parse_datetime(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "SHORT_DATETIME_FORMAT")


def _parse_date(value: str) -> str:
    try:
        return date_format(dt.date.fromisoformat(str(value)[:10]), "SHORT_DATE_FORMAT")
    except ValueError:
        return str(value)


class _Formatter:
    def __init__(self, model: type[models.Model], names: dict[tuple[Any, Any], str]) -> None:
        self.fields = {f.attname: f for f in model._meta.concrete_fields}
        self.names = names
        self._levels: RatingLevels | None = None

    @property
    def levels(self) -> RatingLevels:
        if self._levels is None:
            self._levels = RatingLevels.load()
        return self._levels

    def label(self, key: str) -> str:
        field = self.fields.get(key)
        return capfirst(str(field.verbose_name)) if field is not None else key

    def value(self, key: str, value: Any) -> str:
        if value is None or value == "":
            return EMPTY
        field = self.fields.get(key)
        if field is None:
            return str(value)
        if field.is_relation:
            return self.names.get((field.related_model, value), f"#{value}")
        if key in RATING_FIELDS:
            return self.levels.name(value)
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(field, models.BooleanField):
            return _("Yes") if value else _("No")
        if isinstance(field, models.DateTimeField):
            return _parse_datetime(value)
        if isinstance(field, models.DateField):
            return _parse_date(value)
        return str(value)


def history_rows(obj: models.Model) -> list[Any]:
    """Every recorded version of a row, oldest first, each with `who` and `changes` (a list of Change).

    Queries: the events, then one per related model named in the changes (users always: the authors),
    then the rating levels if a rating changed.
    """
    model = type(obj)
    events = list(MiddlewareEvents.objects.tracks(obj).order_by("pgh_created_at", "pgh_id"))
    fields = {f.attname: f for f in model._meta.concrete_fields}
    user_model = get_user_model()
    wanted: dict[type[models.Model], set[Any]] = {user_model: set()}
    for event in events:
        if uid := (event.pgh_context or {}).get("user"):
            wanted[user_model].add(uid)
        for key, pair in (event.pgh_diff or {}).items():
            field = fields.get(key)
            # a relation's related_model is a model class ("self" was resolved when the apps loaded)
            if field is not None and isinstance(field.related_model, type) and key not in HIDDEN:
                wanted.setdefault(field.related_model, set()).update(v for v in pair if v is not None)
    names = {
        (related, pk): name
        for related, ids in wanted.items()
        if ids
        for pk, name in _related_names(related, ids).items()
    }
    formatter = _Formatter(model, names)
    order = {key: i for i, key in enumerate(fields)}  # changes read in the model's field order
    for event in events:
        uid = (event.pgh_context or {}).get("user")
        event.who = names.get((user_model, uid)) if uid else None
        diff = event.pgh_diff or {}
        event.changes = [
            Change(
                formatter.label(key), formatter.value(key, diff[key][0]), formatter.value(key, diff[key][1])
            )
            for key in sorted(diff, key=lambda k: order.get(k, len(order)))
            if key not in HIDDEN
        ]
    return events
