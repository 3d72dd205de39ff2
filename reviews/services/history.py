"""The history of a tracked row (pghistory events) as people read it: field labels and display values.

Events store raw column values (`decided_by_id: 7`, `status: "proposed"`, ISO dates). Each page shows the
field's verbose name, a choice's label, a rating's name, a person's name and dates as dd/mm/yyyy in Vietnam
time. Related rows are fetched in one query per related model, whatever the number of events.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from pghistory.models import MiddlewareEvents

from reviews.models.reviews import RatingLevels, ReviewRound
from reviews.models.rules import Rule

if TYPE_CHECKING:
    from django.contrib.auth import models as auth

HIDDEN = {"id", "version", "pgh_obj_id"}  # bookkeeping: every save bumps the version, nobody reads it
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
    def __init__(
        self, model: type[models.Model], names: dict[tuple[Any, Any], str], shared: dict[str, Any]
    ) -> None:
        self.fields = {f.attname: f for f in model._meta.concrete_fields}
        self.names = names
        self.shared = shared  # what every formatter of a page reads once: the rating levels

    @property
    def levels(self) -> RatingLevels:
        if "levels" not in self.shared:
            self.shared["levels"] = RatingLevels.load()
        return self.shared["levels"]

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
        if isinstance(field, models.JSONField):
            return json.dumps(value, ensure_ascii=False)
        return str(value)


def event_model(model: type[models.Model]) -> type[models.Model]:
    """The event table pghistory keeps for a tracked model (`Review` → `ReviewEvent`)."""
    return apps.get_model(model._meta.app_label, f"{model.__name__}Event")


def history_rows(obj: models.Model, *, children: tuple[type[models.Model], ...] = ()) -> list[Any]:
    """Every recorded version of a row, oldest first, each with `who` and `changes` (a list of Change).

    `children` names tracked models whose rows point at `obj` (a shortcoming's timeline entries and
    extensions): their events are read in the same query and marked with `what`, the kind of row.

    Queries: the events, then one per related model named in the changes (users always: the authors),
    then the rating levels if a rating changed.
    """
    events = MiddlewareEvents.objects.tracks(obj)
    if children:
        sources = [event_model(m) for m in (type(obj), *children)]
        events = MiddlewareEvents.objects.references(obj).across(*sources)
    return described(list(events.order_by("pgh_created_at", "pgh_id")), main=type(obj))


def round_history(review_round: ReviewRound) -> list[Any]:
    """A round's events with those of the rating rules its decisions obey (levels, the cap), oldest first.

    Queries: the round's events, the rules, their events, then the names (users, the committee).
    """
    rules = list(Rule.objects.filter(key__startswith="rating_levels."))
    events = list(MiddlewareEvents.objects.tracks(review_round))
    if rules:
        events += list(MiddlewareEvents.objects.tracks(rules))
    events.sort(key=lambda e: (e.pgh_created_at, e.pgh_id))
    return described(events, main=ReviewRound)


def _shown(event: Any) -> dict[str, Any]:
    """{field: (before, after)}: an update's diff; what a row held when it was made or deleted."""
    if event.pgh_label == "delete":
        return {
            key: (value, None) for key, value in (event.pgh_data or {}).items() if value not in (None, "")
        }
    if event.pgh_diff:
        return dict(event.pgh_diff)
    if event.pgh_label == "insert" and event.pgh_obj_model != event.main_label:
        return {
            key: (None, value) for key, value in (event.pgh_data or {}).items() if value not in (None, "")
        }
    return {}


def _points_at(field: Any, main: type[models.Model], source: type[models.Model]) -> bool:
    """A child row's link back to the row whose history is read: the page already says which row it is."""
    return source is not main and field is not None and field.related_model is main


def described(events: list[Any], *, main: type[models.Model]) -> list[Any]:
    """Name the author of each event and turn its changes into labels and values (see history_rows)."""
    user_model = get_user_model()
    sources: dict[str, type[models.Model]] = {}
    wanted: dict[type[models.Model], set[Any]] = {user_model: set()}
    for event in events:
        event.main_label = main._meta.label
        source = sources.setdefault(event.pgh_obj_model, apps.get_model(event.pgh_obj_model))
        fields = {f.attname: f for f in source._meta.concrete_fields}
        if uid := (event.pgh_context or {}).get("user"):
            wanted[user_model].add(uid)
        for key, pair in _shown(event).items():
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
    shared: dict[str, Any] = {}
    formatters = {label: _Formatter(model, names, shared) for label, model in sources.items()}
    for event in events:
        formatter = formatters[event.pgh_obj_model]
        uid = (event.pgh_context or {}).get("user")
        event.who = names.get((user_model, uid)) if uid else None
        source = sources[event.pgh_obj_model]
        event.what = "" if source is main else capfirst(str(source._meta.verbose_name))
        if source is Rule:  # which rule: its key, which no change of value shows
            event.what = f"{event.what} {(event.pgh_data or {}).get('key', '')}"
        order = {key: i for i, key in enumerate(formatter.fields)}  # changes read in the model's field order
        shown = _shown(event)
        event.changes = [
            Change(
                formatter.label(key), formatter.value(key, shown[key][0]), formatter.value(key, shown[key][1])
            )
            for key in sorted(shown, key=lambda k: order.get(k, len(order)))
            if key not in HIDDEN and not _points_at(formatter.fields.get(key), main, source)
        ]
    return events
