"""One way to say "your page is out of date": the exception, the lock that raises it, the page that answers it.

Every step that changes a record locks its row and checks that it is still in a status the step starts
from and at the version the user's page showed. Either check failing is the same situation: someone else
acted meanwhile. The view then refuses with 409, keeps what the user typed (in the re-rendered form and under
"Your unsaved text") and shows the record as it is now (templates/includes/_out_of_date.html, drawn by
base.html).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.db.models import Manager, Model, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from phuthang.safe_input import parse_id

M = TypeVar("M", bound=Model)


class OutOfDate(Exception):
    """The record moved on since the user's page was loaded: someone else saved it, or its status changed.

    `current` is the record as it is now; `message` is what the user reads, already translated.
    """

    def __init__(self, current: Any, message: str) -> None:
        super().__init__(f"{type(current).__name__} {getattr(current, 'pk', '')} is out of date")
        self.current = current
        self.message = message

    @property
    def messages(self) -> list[str]:  # read like a ValidationError's
        return [str(self.message)]


def lock_current(
    queryset: QuerySet[M] | Manager[M],
    pk: int,
    *,
    allowed: Iterable[str] | None = None,
    version: int | None = None,
    refused: str | Callable[[M], str],
    changed: str | Callable[[M], str] | None = None,
) -> M:
    """Lock the row and return it, or raise OutOfDate when its status is no longer one of `allowed` (message
    `refused`) or its version is not the one the page showed (message `changed`, else `refused`).

    Called inside the transaction that writes the row; a message may be a function of the row as it is now.
    """
    current = queryset.select_for_update().get(pk=pk)
    if allowed is not None and current.status not in allowed:  # type: ignore[attr-defined]
        raise OutOfDate(current, _say(refused, current))
    if version is not None and current.version != version:  # type: ignore[attr-defined]
        raise OutOfDate(current, _say(changed if changed is not None else refused, current))
    return current


def _say(message: str | Callable[[M], str], current: M) -> str:
    return message(current) if callable(message) else message


def stale_post(request: HttpRequest, row: Any) -> bool:
    """A POST sent from a page that showed another version of the row than the one stored.

    A view lets such a POST by someone holding the role go on to its service even when the row's status no
    longer allows the step: the service's lock then refuses it as out of date, instead of a bare 403.
    """
    posted = str(request.POST.get("version", "")) if request.method == "POST" else ""
    version = parse_id(posted)
    return version is not None and version != row.version


@dataclass(frozen=True)
class Refusal:
    """What templates/includes/_out_of_date.html draws: the record now, and the text the user typed."""

    current: Any
    typed: dict[str, str] = field(default_factory=dict)  # field label → text, not saved


def typed_text(
    form: forms.BaseForm | None, current: Any = None, *, names: Iterable[str] | None = None
) -> dict[str, str]:
    """The text the user typed into the form's text fields (or the named ones) that the record does not hold."""
    if form is None or not form.is_bound:
        return {}
    typed = {}
    for name in names if names is not None else form.fields:
        bound_field = form.fields.get(name)
        if not isinstance(bound_field, forms.CharField) or bound_field.widget.is_hidden:
            continue
        text = str(form.data.get(form.add_prefix(name), "")).strip()
        if text and text != str(getattr(current, name, "") or "").strip():
            typed[str(bound_field.label or name)] = text
    return typed


def refuse(
    request: HttpRequest,
    error: OutOfDate,
    template: str,
    context: dict[str, Any],
    *,
    form: forms.BaseForm | None = None,
    typed: dict[str, str] | None = None,
) -> HttpResponse:
    """The one answer to OutOfDate: 409 with the message, the page drawn again around the record as it is now.

    A bound `form` is drawn again with what the user typed, its hidden version moved to the current one so a
    second, deliberate press goes through; its text is also listed apart unless `typed` says what to list.
    """
    current = error.current
    if typed is None:
        typed = typed_text(form, current)
    if form is not None and form.is_bound and "version" in form.fields and hasattr(current, "version"):
        data = form.data.copy() if isinstance(form.data, QueryDict) else dict(form.data)
        data[form.add_prefix("version")] = str(current.version)
        form.data = data
    messages.error(request, error.message)
    return render(
        request, template, {**context, "out_of_date": Refusal(current=current, typed=typed)}, status=409
    )
