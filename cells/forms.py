from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from cells import importing
from cells.models import Cell, Member
from cells.services import candidate_labels
from phuthang import choosers, safe_input
from phuthang.submits import OnceForm


class MemberContactForm(safe_input.ModelForm):
    """What a cell secretary keeps up to date: contact details and the exemption from meetings."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)  # the page's; a stale save is refused

    class Meta:
        model = Member
        fields = ["phone", "email", "exempt_since"]
        widgets = {"exempt_since": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        safe_input.with_range(self.fields["exempt_since"], safe_input.EXEMPTION_DATES)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].replace(" ", "").replace(".", "")
        if phone and not (phone.lstrip("+").isdigit() and 9 <= len(phone.lstrip("+")) <= 12):
            raise forms.ValidationError(_("Enter a phone number of 9 to 12 digits, for example 0912345678."))
        return phone


# Up to this many candidates each cell gets a plain <select>; beyond it (a province committee has
# thousands) the leader types a name: one shared <datalist> holds the page's overseers, and
# static/js/oversight.js fills it with the names matching what is typed (cells.views.oversight_candidates).
MAX_SELECT_CANDIDATES = 40


class OversightForm(OnceForm):
    """One overseer per cell of a page; the token refuses a save made on a stale page of those cells."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        cells: list[Cell],
        candidates: list[Member],
        current: dict[int, Member],
        token: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.current_token = token
        self.fields["token"].initial = token
        # the page's cell ids, posted back; added here so that `form.cells` stays the list of Cell
        self.fields["cells"] = forms.CharField(
            widget=forms.HiddenInput, initial=",".join(str(c.pk) for c in cells)
        )
        self.cells, self.current = cells, current
        self.typed = len(candidates) > MAX_SELECT_CANDIDATES
        self.labels = candidate_labels(candidates) if self.typed else {}
        self.by_pk = {m.pk: m for m in candidates}
        label_of = {m.pk: label for label, m in self.labels.items()}
        nobody = ("", _("— nobody —"))
        choices = [nobody, *((str(m.pk), m.full_name) for m in candidates)]
        self.shown: dict[str, str] = {}  # what each field showed: posted back as it is, nothing changes
        for cell in cells:
            overseer = current.get(cell.pk)
            name = f"cell_{cell.pk}"
            if self.typed:
                self.fields[name] = forms.CharField(
                    label=cell.name,
                    required=False,
                    widget=forms.TextInput(
                        attrs={
                            "list": "overseer-candidates",
                            "autocomplete": "off",
                            "placeholder": _("Type a name"),
                        }
                    ),
                )
                self.shown[name] = label_of.get(overseer.pk, overseer.full_name) if overseer else ""
            else:
                own = choices
                if overseer is not None and overseer.pk not in self.by_pk:
                    # kept as it is unless the leader changes it, so a page saves without touching it
                    own = [
                        *choices,
                        (
                            str(overseer.pk),
                            _("%(name)s (no longer on the committee)") % {"name": overseer.full_name},
                        ),
                    ]
                self.fields[name] = forms.ChoiceField(label=cell.name, choices=own, required=False)
                self.shown[name] = str(overseer.pk) if overseer else ""
        for name, value in self.shown.items():
            self.initial.setdefault(name, value)

    @staticmethod
    def posted_cell_ids(data: Any, *, limit: int) -> list[int]:
        """The cells a posted page covered; anything malformed is left out, and at most `limit` of them."""
        ids = (safe_input.parse_id(x) for x in str(data.get("cells", "")).split(","))
        return [pk for pk in ids if pk is not None][:limit]

    def datalist_options(self) -> str:
        """The page's overseers still on the committee, once each: never every candidate (a province has
        thousands); the search suggests the other names as they are typed."""
        shown = dict.fromkeys(value for value in self.shown.values() if value in self.labels)
        return format_html_join("", '<option value="{}">', ((label,) for label in shown))

    def clean_token(self) -> str:
        if self.cleaned_data["token"] != self.current_token:
            raise forms.ValidationError(
                _(
                    "Someone else changed these assignments while you were editing. Their changes are shown "
                    "below; please check and save again."
                )
            )
        return self.cleaned_data["token"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self.chosen: dict[int, Member | None] = {}
        for cell in self.cells:
            name = f"cell_{cell.pk}"
            if name not in cleaned:
                continue  # already refused by its field
            value = cleaned[name].strip()
            overseer = self.current.get(cell.pk)
            if value == self.shown[name] or name not in self.data:  # not posted: left as it is
                self.chosen[cell.pk] = overseer
            elif not value:
                self.chosen[cell.pk] = None
            elif self.typed and value in self.labels:
                self.chosen[cell.pk] = self.labels[value]
            elif not self.typed and safe_input.parse_id(value) in self.by_pk:
                self.chosen[cell.pk] = self.by_pk[int(value)]
            else:
                self.add_error(
                    name,
                    _("“%(value)s” is not a member of the committee: choose a name from the list.")
                    % {"value": value},
                )
        return cleaned

    def overseers(self) -> dict[int, Member | None]:
        return self.chosen


class MemberListForm(OnceForm):
    """The member list to import and where it goes: a committee (office staff) or the secretary's cell."""

    scope = forms.ChoiceField(label=_("Import into"))
    file = forms.FileField(
        label=_("Member list (.xlsx or .csv)"),
        help_text=_("The template's columns; CSV in UTF-8 or Windows-1258."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, scopes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["scope"]).choices = scopes
        if len(scopes) == 1:
            self.fields["scope"].initial = scopes[0][0]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > importing.max_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB: split it into smaller files.")
                % {"limit": max(1, importing.max_bytes() // (1024 * 1024))}
            )
        return upload


class ImportColumnsForm(safe_input.Form):
    """For a file whose headers are not the template's: which of its columns holds each field."""

    def __init__(self, *args: Any, header: list[str], current: dict[str, int] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.header = header
        choices = [
            ("", _("— not in the file —")),
            *((str(i), h or f"#{i + 1}") for i, h in enumerate(header)),
        ]
        guessed = current or {}
        for key, title, required in importing.COLUMNS:
            self.fields[key] = forms.ChoiceField(label=str(title), choices=choices, required=False)
            if key in guessed:
                self.fields[key].initial = str(guessed[key])
            elif (index := _guess(header, key)) is not None:
                self.fields[key].initial = str(index)
            if required:
                self.fields[key].help_text = _("Required.")

    def columns(self) -> dict[str, int | None]:
        return {key: safe_input.parse_id(self.cleaned_data.get(key)) for key in importing.KEYS}


def _guess(header: list[str], key: str) -> int | None:
    for index, title in enumerate(header):
        if importing.known_header(title) == key:
            return index
    return None


class LifeEventForm(OnceForm):
    """One step of a member's life: recognition, exemption, transfer, departure; what it needs per kind."""

    kind = forms.ChoiceField(label=_("What happened"))
    on = forms.DateField(
        label=_("From the day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    resolution_number = forms.CharField(label=_("Resolution number"), max_length=50, required=False)
    resolution_date = forms.DateField(
        label=_("Resolution date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    to_cell = choosers.CellChooser(label=_("To the cell"), required=False, help_text=_("For a transfer."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], cells: Any, version: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = kinds
        cast(choosers.Chooser, self.fields["to_cell"]).among(cells)
        self.fields["version"].initial = version
        safe_input.with_range(self.fields["on"], safe_input.EXEMPTION_DATES)
        safe_input.with_range(self.fields["resolution_date"], safe_input.EXEMPTION_DATES)


class MemberFilterForm(safe_input.Form):
    """The member list's filters; the export applies the same."""

    STATUSES = [
        ("", _("Current members")),
        ("official", _("Official")),
        ("probationary", _("Probationary")),
        ("exempt", _("Exempt from meetings")),
        ("left", _("Left")),
    ]

    q = forms.CharField(label=_("Name or card number"), required=False, max_length=100)
    cell = choosers.CellChooser(label=_("Cell"), required=False, empty_label=_("All"))
    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False)

    def __init__(self, *args: Any, cells: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(choosers.Chooser, self.fields["cell"]).among(cells)

    def apply(self, members: Any) -> Any:
        if not self.is_valid():
            return members.current()
        data = self.cleaned_data
        if data["q"]:
            members = members.filter(Q(full_name__icontains=data["q"]) | Q(card_number__startswith=data["q"]))
        if data["cell"] is not None:
            members = members.filter(cell=data["cell"])
        match data["status"]:
            case "official":
                return members.current().filter(official_on__isnull=False)
            case "probationary":
                return members.current().filter(official_on__isnull=True)
            case "exempt":
                return members.current().exclude(pk__in=Member.objects.not_exempt().values("pk"))
            case "left":
                return members.filter(left_on__isnull=False)
        return members.current()
