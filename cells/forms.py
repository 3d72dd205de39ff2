from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cells.models import Cell, Member


class MemberContactForm(forms.ModelForm):
    """What a cell secretary keeps up to date: contact details and the exemption from meetings."""

    class Meta:
        model = Member
        fields = ["phone", "email", "exempt_since"]
        widgets = {"exempt_since": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].replace(" ", "").replace(".", "")
        if phone and not (phone.lstrip("+").isdigit() and 9 <= len(phone.lstrip("+")) <= 12):
            raise forms.ValidationError(_("Enter a phone number of 9 to 12 digits, for example 0912345678."))
        return phone


class OversightForm(forms.Form):
    """One choice of overseer per cell; the token refuses a save made on a stale page."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, cells: list[Cell], candidates: list[Member], token: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.current_token = token
        self.fields["token"].initial = token
        choices = [("", _("— nobody —")), *((str(m.pk), m.full_name) for m in candidates)]
        self.candidates = {m.pk: m for m in candidates}
        self.cells = cells
        for cell in cells:
            self.fields[f"cell_{cell.pk}"] = forms.ChoiceField(
                label=cell.name, choices=choices, required=False
            )

    def clean_token(self) -> str:
        if self.cleaned_data["token"] != self.current_token:
            raise forms.ValidationError(
                _(
                    "Someone else changed these assignments while you were editing. Their changes are shown "
                    "below; please check and save again."
                )
            )
        return self.cleaned_data["token"]

    def overseers(self) -> dict[int, Member | None]:
        return {
            cell.pk: self.candidates.get(int(v)) if (v := self.cleaned_data.get(f"cell_{cell.pk}")) else None
            for cell in self.cells
        }
