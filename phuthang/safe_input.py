"""Input no page chokes on (issue 10 §3): one rule for typed text, dates, months and ids, used by every form,
every query string and every path.

- Text: control characters other than tab, newline and carriage return, and the invisible characters that
  reverse or isolate the direction of text (U+202A–U+202E, U+2066–U+2069), are refused with a message naming
  the field. PostgreSQL cannot store a NUL; XML (XLSX, DOCX) cannot hold the others; a direction override
  makes "phạt 2 năm" read as something else on screen and in print. Old rows are cleaned at export instead
  (`phuthang.documents.xml_safe`).
- Dates: every date field of every form lies within a plausible range (`DateRange`), 2000 to five years
  ahead unless the field says otherwise; months and periods in query strings within the same years.
- Ids: at most 18 digits (a PostgreSQL bigint holds 19), in paths (the `id` converter; more is a 404) and in
  query strings and posts (`parse_id`: anything else is None).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.http import HttpRequest
from django.utils.deconstruct import deconstructible
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from phuthang import periods

# C0 controls but tab, newline and carriage return; DEL and the C1 controls; the two non-characters.
CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff"
BIDI = "\u202a-\u202e\u2066-\u2069"
HIDDEN = re.compile(f"[{CONTROL}{BIDI}]")
CONTROL_ONLY = re.compile(f"[{CONTROL}]")
_NOT_IN_PATH = re.compile(f"[\\s\\\\{CONTROL}{BIDI}]")  # whitespace, a backslash or a hidden character

MAX_ID_DIGITS = 18
_ID = re.compile(rf"[0-9]{{1,{MAX_ID_DIGITS}}}")

FIRST_YEAR, YEARS_AHEAD = periods.FIRST_YEAR, periods.YEARS_AHEAD


def parse_id(value: Any) -> int | None:
    """A record id from a query string or a post: up to 18 ASCII digits, else None."""
    text = str(value if value is not None else "").strip()
    return int(text) if _ID.fullmatch(text) else None


def local_path(request: HttpRequest, target: Any) -> str | None:
    """A posted `next`: a path on this site, with no control character, or None (then the view's own page)."""
    text = str(target or "")
    if not text.startswith("/") or text.startswith("//") or _NOT_IN_PATH.search(text):
        return None
    return text if url_has_allowed_host_and_scheme(text, allowed_hosts={request.get_host()}) else None


class IdConverter:
    """`<id:pk>`: a positive id of at most 18 digits; a longer number matches no URL (404)."""

    regex = rf"[0-9]{{1,{MAX_ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class YearConverter(IdConverter):
    regex = "[0-9]{4}"


class MonthConverter(IdConverter):
    regex = "[0-9]{1,2}"


@deconstructible
class NoHiddenCharacters:
    """Refuses text holding a control or direction character, naming the field."""

    def __init__(self, label: Any) -> None:
        self.label = label

    def __call__(self, value: Any) -> None:
        if isinstance(value, str) and HIDDEN.search(value):
            raise ValidationError(
                _(
                    "“%(field)s” holds a hidden character (a control character or one that reverses the "
                    "direction of text) that cannot be kept. Delete it, or type the text again."
                ),
                code="hidden_character",
                params={"field": self.label},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoHiddenCharacters) and other.label == self.label


@dataclass(frozen=True)
class DateRange:
    """The dates a kind of date may take: from `earliest` to `years_ahead` years after today."""

    earliest: dt.date = dt.date(FIRST_YEAR, 1, 1)
    years_ahead: int = YEARS_AHEAD

    def latest(self) -> dt.date:
        return dt.date(periods.today().year + self.years_ahead, 12, 31)

    def __call__(self, value: Any) -> None:
        if isinstance(value, dt.date) and not self.earliest <= value <= self.latest():
            raise ValidationError(
                _("Choose a date between %(earliest)s and %(latest)s."),
                code="implausible_date",
                params={
                    "earliest": date_format(self.earliest, "SHORT_DATE_FORMAT"),
                    "latest": date_format(self.latest(), "SHORT_DATE_FORMAT"),
                },
            )


DEFAULT_DATES = DateRange()
# A member exempted from meetings (old age, illness) may have been exempted long before records were kept.
EXEMPTION_DATES = DateRange(earliest=dt.date(1950, 1, 1), years_ahead=1)


def with_range(field: forms.Field, dates: DateRange) -> forms.Field:
    """The field, checked against `dates` instead of the default range."""
    field.date_range = dates  # type: ignore[attr-defined]
    return field


class CleanInput:
    """Mixed into every form of the project (tests/test_safe_input.py checks): before a form cleans, each
    text field gets the hidden-character check and each date field its range, so that `clean()` and the
    services only ever see text and dates that may be stored.
    """

    fields: dict[str, forms.Field]

    def full_clean(self) -> None:
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField):
                check: Any = NoHiddenCharacters(field.label or name)
                # the same rule covers NUL, with a message that names the field
                field.validators = [
                    v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
                ]
            elif isinstance(field, forms.DateField):
                check = getattr(field, "date_range", DEFAULT_DATES)
            else:
                continue
            if check not in field.validators:
                field.validators.append(check)
        super().full_clean()  # type: ignore[misc]


class Form(CleanInput, forms.Form):
    """The base of every plain form here."""


class ModelForm(CleanInput, forms.ModelForm):
    """The base of every model form here."""
