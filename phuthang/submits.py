"""Create forms are idempotent: a form sent twice (a double tap, a reload, three parallel posts) creates once.

Every create form carries a one-time token (`OnceForm`, a hidden field with a fresh value each time the page
is drawn). The view hands the create to `once()`, which first inserts the token (`SubmitToken`, unique) and
then creates, in one transaction: a second POST with the same token waits on the unique index until the
first commits, then finds the token taken and answers with what the first created. A POST whose token was
already used lands there straight away (`repeat()`), whatever the form would say now. A create that fails
(a ValidationError) rolls its token back, so the same page can be corrected and sent again.

    form = ShortcomingForm(request.POST or None, …)
    outcome = submits.repeat(request)
    if outcome is None and form.is_valid():
        try:
            outcome = submits.once(request, form, partial(services.record_shortcoming, …))
        except ValidationError as error:
            _form_errors(form, error)
    if outcome is not None:
        submits.say(request, outcome, _("Shortcoming recorded."))
        return redirect(outcome.record)
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phuthang import safe_input
from phuthang.models import SubmitToken

FIELD = "submit_token"
TOKEN = re.compile(r"[A-Za-z0-9_-]{22,64}")


def new_token() -> str:
    return secrets.token_urlsafe(24)  # 32 characters, 192 random bits


class OnceForm(safe_input.Form):
    """Mixed into every create form: the hidden one-time token. A POST without a usable token (a page drawn
    before tokens existed, a hand-made request) is refused with a message and drawn again with a fresh one.
    """

    submit_token = forms.CharField(widget=forms.HiddenInput, initial=new_token, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.token_refused = False
        if self.is_bound and not TOKEN.fullmatch(str(self.data.get(self.add_prefix(FIELD), ""))):
            data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
            data[self.add_prefix(FIELD)] = new_token()  # so that sending the page again goes through
            self.data, self.token_refused = data, True

    def clean_submit_token(self) -> str:
        if self.token_refused:
            raise ValidationError(
                gettext_lazy("This page was out of date and nothing was saved: check it and save again.")
            )
        return str(self.cleaned_data[FIELD])


@dataclass(frozen=True)
class Outcome:
    """What a create form's POST came to: the record the first POST with its token created."""

    record: Model
    first: bool  # this POST created it; False: an earlier POST with the same token did
    result: Any = None  # what the create returned, when it is not the record itself (only on the first)


def _page(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return str(getattr(match, "view_name", "") or request.path)[:100]


def _earlier(request: HttpRequest, token: str) -> Outcome | None:
    claim = (
        SubmitToken.objects.filter(token=token, user_id=request.user.pk or 0, form=_page(request))
        .exclude(object_id=None)
        .select_related("content_type")
        .first()
    )
    if claim is None or claim.content_type is None:
        return None
    model = claim.content_type.model_class()
    record = model._base_manager.filter(pk=claim.object_id).first() if model is not None else None
    return Outcome(record=record, first=False) if record is not None else None


def repeat(request: HttpRequest) -> Outcome | None:
    """The POST carries a token this user's earlier POST of this page already created with: what it created."""
    token = str(request.POST.get(FIELD, "")) if request.method == "POST" else ""
    return _earlier(request, token) if TOKEN.fullmatch(token) else None


def once(
    request: HttpRequest, form: OnceForm, create: Callable[[], Any], *, record: Model | None = None
) -> Outcome:
    """Run `create` unless the form's token was used; the record is what `create` returns (a model
    instance), or `record` when `create` returns something else (a count of changes).

    Raises what `create` raises, with the token released; a token taken by another user or page is a
    ValidationError (nothing is created).
    """
    token = form.cleaned_data[FIELD]
    user: Any = request.user  # logged in: LoginRequiredMiddleware lets no one else reach a create page
    with transaction.atomic():
        try:
            with transaction.atomic():  # waits here while a parallel POST with the same token is running
                claim = SubmitToken.objects.create(token=token, user=user, form=_page(request))
        except IntegrityError:
            earlier = _earlier(request, token)
            if earlier is None:
                raise ValidationError(
                    _("This form was already sent. Reload the page and try again.")
                ) from None
            return earlier
        result = create()
        made = result if isinstance(result, Model) else record
        if made is None:
            raise TypeError("once(): create returned no record and no record= was given")
        claim.content_type = ContentType.objects.get_for_model(made)
        claim.object_id = made.pk
        claim.save(update_fields=["content_type", "object_id"])
    return Outcome(record=made, first=True, result=None if result is made else result)


def say(request: HttpRequest, outcome: Outcome, done: str) -> None:
    """The message after a create: `done` the first time, "already saved" for a repeat."""
    if outcome.first:
        messages.success(request, done)
    else:
        messages.info(request, _("Already saved: this form was sent more than once and recorded only once."))
