"""Choosing one cell, or one member, among a queryset that may hold a province (5,280 cells, 100,000 members).

Up to CHOICES_UP_TO the field is a plain list. Beyond it the field is a text box, posted as `<name>_search`:
a cell by its code or name, a member by name or card number, resolved on the server against the same
queryset (exactly one match is chosen; none or several is an error listing up to SHOWN_MATCHES, so that
namesakes can be told apart). A bare `?<name>=<pk>` (a link, a bookmark) still chooses, checked against
the queryset too. Either way the page reads at most CHOICES_UP_TO + 1 rows, never the whole queryset.

    class EventForm(safe_input.Form):
        to_cell = choosers.CellChooser(label=_("To the cell"), required=False)

        def __init__(self, *args, cells, **kwargs):
            super().__init__(*args, **kwargs)
            cast(choosers.Chooser, self.fields["to_cell"]).among(cells)
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Model, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from phuthang import safe_input

CHOICES_UP_TO = 100  # beyond that a list is unusable on a phone, and the page grows with the province
SHOWN_MATCHES = 10
SEARCH_CHARACTERS = 100
PARTS = " · "  # a chosen record shown in the box: its parts, each narrowing the search when posted back
CARD = re.compile(r"^\d{2}\.\d{6}$")
YEAR = re.compile(r"^\d{4}$")
StrOrPromise = str | Promise


class ChooserInput(forms.TextInput):
    """The typed box: posted as `<name>_search`, so that `<name>` stays the record's id for links."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        text = data.get(f"{name}_search")
        return ("pk", data.get(name)) if text is None else ("text", text)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_search" not in data

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        return super().get_context(f"{name}_search", value, attrs)


class Chooser(forms.Field):
    """One record among `among(queryset)`: a list when few, else a text box resolved on the server."""

    default_order: tuple[str, ...] = ("pk",)

    def __init__(self, *, empty_label: StrOrPromise = "—", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.empty_label = empty_label
        self.queryset: QuerySet[Any] | None = None
        self.listed: dict[int, Any] | None = None
        self.looked_up: dict[int, Any] = {}  # validating, then showing, a `?<name>=<pk>` reads it once

    def among(self, queryset: QuerySet[Any]) -> None:
        """Offers the records of `queryset`; one query, for the list's options or to learn there are many."""
        if not queryset.ordered:
            queryset = queryset.order_by(*self.default_order)
        self.queryset = queryset
        few = list(queryset[: CHOICES_UP_TO + 1])
        if len(few) <= CHOICES_UP_TO:
            self.listed = {obj.pk: obj for obj in few}
            self.widget = forms.Select(
                choices=[("", self.empty_label), *((obj.pk, self.in_list(obj)) for obj in few)]
            )
        else:
            self.listed = None
            self.widget = ChooserInput(attrs={"autocomplete": "off", "placeholder": self.placeholder()})
        self.widget.is_required = self.required

    # what each kind of record says
    def in_list(self, obj: Any) -> str:
        return str(obj)

    def in_box(self, obj: Any) -> str:
        return str(obj)

    def in_error(self, obj: Any) -> str:
        return str(obj)

    def placeholder(self) -> str:
        return ""

    def exact(self, text: str) -> Q:
        raise NotImplementedError

    def near(self, text: str) -> Q:
        raise NotImplementedError

    def none_message(self, text: str) -> str:
        raise NotImplementedError

    def several_message(self, text: str, count: str, matches: str) -> str:
        raise NotImplementedError

    def outside_message(self) -> str:
        raise NotImplementedError

    # the field
    def _record(self, pk: Any) -> Any:
        if isinstance(pk, Model):
            pk = pk.pk
        pk = safe_input.parse_id(pk)
        if pk is None or self.queryset is None:
            return None
        if self.listed is not None:
            return self.listed.get(pk)
        if pk not in self.looked_up:
            self.looked_up[pk] = self.queryset.filter(pk=pk).first()
        return self.looked_up[pk]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, tuple):
            kind, raw = value
            if kind == "text":
                return raw
            value = raw
        if self.listed is not None:
            return value.pk if isinstance(value, Model) else value
        if value in self.empty_values:
            return ""
        obj = value if isinstance(value, Model) else self._record(value)
        return self.in_box(obj) if obj is not None else ""

    def to_python(self, value: Any) -> Any:
        kind, raw = value if isinstance(value, tuple) else ("pk", value)
        if kind == "pk":
            if raw in self.empty_values:
                return None
            obj = self._record(raw)
            if obj is None:
                raise forms.ValidationError(self.outside_message(), code="invalid_choice")
            return obj
        text = " ".join(str(raw).split())[:SEARCH_CHARACTERS]
        if not text:
            return None
        safe_input.NoHiddenCharacters(self.label or "")(text)
        return self.resolve(text)

    def resolve(self, text: str) -> Any:
        """The one record `text` names: an exact match first (namesakes stay several), else a partial one."""
        assert self.queryset is not None
        matches = list(self.queryset.filter(self.exact(text))[: SHOWN_MATCHES + 1])
        if not matches:
            matches = list(self.queryset.filter(self.near(text))[: SHOWN_MATCHES + 1])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(self.none_message(text), code="none")
        count = (
            _("More than %(count)d") % {"count": SHOWN_MATCHES}
            if len(matches) > SHOWN_MATCHES
            else str(len(matches))
        )
        listed = "; ".join(self.in_error(obj) for obj in matches[:SHOWN_MATCHES])
        raise forms.ValidationError(self.several_message(text, count, listed), code="several")


class CellChooser(Chooser):
    default_order = ("code",)

    def in_box(self, obj: Any) -> str:
        return f"{obj.name}{PARTS}{obj.code}"

    def in_error(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"

    def placeholder(self) -> str:
        return _("Type the cell's code or name")

    def exact(self, text: str) -> Q:
        return Q(code__iexact=text.split("·")[-1].strip()) | Q(name__iexact=text)

    def near(self, text: str) -> Q:
        return Q(code__icontains=text) | Q(name__icontains=text)

    def none_message(self, text: str) -> str:
        return _("No cell here matches “%(typed)s”: type the cell's code, or more of its name.") % {
            "typed": text
        }

    def several_message(self, text: str, count: str, matches: str) -> str:
        return _("%(count)s cells match “%(typed)s”: type the code, or more of the name. %(matches)s") % {
            "count": count,
            "typed": text,
            "matches": matches,
        }

    def outside_message(self) -> str:
        return _("This cell is not one you may choose here.")


class MemberChooser(Chooser):
    default_order = ("cell__code", "full_name", "pk")

    def among(self, queryset: QuerySet[Any]) -> None:
        super().among(queryset.select_related("cell"))

    def in_list(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.cell.code})"

    def in_box(self, obj: Any) -> str:
        parts = [obj.full_name, obj.cell.code]
        if obj.birth_date is not None:
            parts.append(str(obj.birth_date.year))
        if obj.card_number:
            parts.append(obj.card_number)
        return PARTS.join(parts)

    def in_error(self, obj: Any) -> str:
        born = obj.birth_date.year if obj.birth_date is not None else "?"
        detail = _("%(cell)s, born %(year)s") % {"cell": obj.cell.name, "year": born}
        if obj.card_number:
            detail += _(", card %(card)s") % {"card": obj.card_number}
        return f"{obj.full_name} ({detail})"

    def placeholder(self) -> str:
        return _("Type the name or the party card number")

    def _narrowed(self, text: str) -> tuple[str, Q]:
        """The name or card typed first, and what the parts after it (cell code, birth year, card) ask."""
        first, *rest = [part.strip() for part in text.split("·")]
        narrow = Q()
        for part in rest:
            if CARD.match(part):
                narrow &= Q(card_number=part)
            elif YEAR.match(part):
                narrow &= Q(birth_date__year=int(part))
            elif part:
                narrow &= Q(cell__code__iexact=part)
        return first, narrow

    def exact(self, text: str) -> Q:
        first, narrow = self._narrowed(text)
        return (Q(card_number=first) if CARD.match(first) else Q(full_name__iexact=first)) & narrow

    def near(self, text: str) -> Q:
        first, narrow = self._narrowed(text)
        return (Q(full_name__icontains=first) | Q(card_number__startswith=first)) & narrow

    def none_message(self, text: str) -> str:
        return _("No member here matches “%(typed)s”: type the party card number, or more of the name.") % {
            "typed": text
        }

    def several_message(self, text: str, count: str, matches: str) -> str:
        return _(
            "%(count)s members match “%(typed)s”: type the party card number, or more of the name. %(matches)s"
        ) % {"count": count, "typed": text, "matches": matches}

    def outside_message(self) -> str:
        return _("This member is not one you may choose here.")
