"""The pledge pages: campaigns, signing (in the app and from paper), a cell's lists, the signed pledge."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cells.models import Cell, Committee, Member
from phuthang import access, periods, submits
from phuthang.concurrency import OutOfDate, refuse
from phuthang.paging import BoundedPaginator
from reviews.forms.pledges import CampaignForm, PaperPledgeForm, PledgeLinesForm, SignForm, TextCorrectionForm
from reviews.models import Pledge, PledgeCampaign, PledgeText, Review
from reviews.permissions import pledges as permissions
from reviews.permissions import reviews as review_permissions
from reviews.services import pledge_docx
from reviews.services import pledges as services


def _form_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _campaign_or_404(request: HttpRequest, pk: int) -> PledgeCampaign:
    return get_object_or_404(
        PledgeCampaign.objects.visible_to(request.user).select_related("committee"), pk=pk
    )


def _own_member(request: HttpRequest) -> Member | None:
    member_id = access.for_user(request.user).member_id
    return Member.objects.select_related("cell").filter(pk=member_id).first() if member_id else None


def index(request: HttpRequest) -> HttpResponse:
    """The campaigns in sight, newest first, with the user's own pledge in each."""
    a = access.for_user(request.user)
    if a.member_id is None and not a.is_staff:
        raise Http404
    # queries: the campaigns in sight, the user's standing pledges in them
    campaigns = list(PledgeCampaign.objects.visible_to(request.user).select_related("committee")[:50])
    own = (
        {
            p.campaign_id: p
            for p in Pledge.objects.standing().filter(member_id=a.member_id, campaign__in=campaigns)
        }
        if a.member_id
        else {}
    )
    rows = [(c, own.get(c.pk)) for c in campaigns]
    return render(
        request,
        "reviews/pledge_index.html",
        {"rows": rows, "can_open": permissions.can_open_campaign(request.user), "today": periods.today()},
    )


def campaign_new(request: HttpRequest) -> HttpResponse:
    if not permissions.can_open_campaign(request.user):
        raise PermissionDenied
    a = access.for_user(request.user)
    committees = (
        Committee.objects.all() if a.is_staff else Committee.objects.filter(pk__in=a.leader_committee_ids)
    )
    year = periods.today().year
    reference = PledgeText.objects.filter(active=True).first()
    initial = {
        "year": year,
        "title": _("Pledge of %(year)s") % {"year": year},
        "text": reference.text if reference else "",
    }
    if len(ids := list(committees.values_list("pk", flat=True)[:2])) == 1:
        initial["committee"] = ids[0]
    form = CampaignForm(request.POST or None, committees=committees, initial=initial)
    outcome = submits.repeat(request)  # sent again: straight to the campaign the first POST opened
    if outcome is None and form.is_valid():
        try:
            outcome = submits.once(
                request,
                form,
                partial(
                    services.start_campaign, form.cleaned_data["committee"], by=request.user, **form.details()
                ),
            )
        except ValidationError as error:
            _form_errors(form, error)
    if outcome is not None:
        submits.say(request, outcome, _("The pledge campaign is open."))
        return redirect(outcome.record)
    return render(request, "reviews/pledge_campaign_new.html", {"form": form, "reference": reference})


CELLS_PER_PAGE = 50


def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    """Signed / expected per cell in sight, 50 cells a page with a search, each figure linking to the cell's
    list, the totals over every cell in sight; the user's own pledge."""
    campaign = _campaign_or_404(request, pk)
    # queries: expected and signed per cell in sight, the page's count and cells; the user's member and pledge
    cells = (
        Cell.objects.filter(access.cells(request.user))
        .filter(committee_id=campaign.committee_id, active=True)
        .order_by("code", "pk")
    )
    counts = services.progress_by_cell(campaign, cells.values("pk"))
    query = request.GET.get("q", "").strip()
    if query:
        cells = cells.filter(Q(name__icontains=query) | Q(code__icontains=query))
    page = BoundedPaginator(cells, CELLS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [services.CellProgress(cell, *counts.get(cell.pk, (0, 0))) for cell in page]
    member = _own_member(request)
    own = services.standing_pledge(campaign, member) if member else None
    return render(
        request,
        "reviews/pledge_campaign.html",
        {
            "campaign": campaign,
            "rows": rows,
            "page": page,
            "query": query,
            "total_expected": sum(expected for expected, _signed in counts.values()),
            "total_signed": sum(signed for _expected, signed in counts.values()),
            "own": own,
            "can_sign": permissions.can_sign(request.user, campaign, member),
            "can_correct": permissions.can_correct_text(request.user, campaign),
            "counted_on": campaign.counted_on(),
        },
    )


def campaign_text(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    if not permissions.can_correct_text(request.user, campaign):
        raise PermissionDenied
    form = TextCorrectionForm(
        request.POST or None, initial={"version": campaign.version, "text": campaign.text}
    )
    page = {"campaign": campaign, "form": form, "texts": list(campaign.texts.order_by("-number"))}
    if form.is_valid():
        try:
            services.correct_text(campaign, by=request.user, **form.cleaned_data)
        except OutOfDate as error:
            return refuse(request, error, "reviews/pledge_campaign_text.html", page, form=form)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                _("The corrected text is saved. Those who signed the earlier text are listed to sign again."),
            )
            return redirect(campaign)
    return render(request, "reviews/pledge_campaign_text.html", page)


def _cell_or_404(request: HttpRequest, cell_pk: int, campaign: PledgeCampaign) -> Cell:
    return get_object_or_404(
        Cell.objects.filter(access.cells(request.user)).filter(committee_id=campaign.committee_id), pk=cell_pk
    )


def cell(request: HttpRequest, pk: int, cell_pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    cell = _cell_or_404(request, cell_pk, campaign)
    return render(
        request,
        "reviews/pledge_cell.html",
        {
            "campaign": campaign,
            "cell": cell,
            "lists": services.cell_lists(campaign, cell),
            "can_record_paper": permissions.can_record_paper(request.user, cell),
        },
    )


def cell_print(request: HttpRequest, pk: int, cell_pk: int) -> HttpResponse:
    """The unsigned list, then a blank pledge sheet with each unsigned member's name: one print."""
    campaign = _campaign_or_404(request, pk)
    cell = _cell_or_404(request, cell_pk, campaign)
    return render(
        request,
        "reviews/pledge_cell_print.html",
        {
            "campaign": campaign,
            "cell": cell,
            "lists": services.cell_lists(campaign, cell),
            "blank_lines": range(6),
        },
    )


def sign(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    member = _own_member(request)
    if not permissions.can_sign(request.user, campaign, member):
        raise PermissionDenied
    assert member is not None  # can_sign says so
    previous = services.standing_pledge(campaign, member)
    return _signing(
        request,
        campaign,
        member,
        previous,
        SignForm(
            request.POST or None, signing_again=previous is not None, initial={"version": campaign.version}
        ),
        template="reviews/pledge_sign.html",
        done=_("Your pledge is signed."),
    )


def paper(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    member = get_object_or_404(Member.objects.visible_to(request.user).select_related("cell"), pk=member_pk)
    if not permissions.can_record_paper(request.user, member.cell):
        raise PermissionDenied
    previous = services.standing_pledge(campaign, member)
    form = PaperPledgeForm(
        request.POST or None, signing_again=previous is not None, initial={"version": campaign.version}
    )
    return _signing(
        request,
        campaign,
        member,
        previous,
        form,
        template="reviews/pledge_paper.html",
        done=_("The paper pledge of %(name)s is recorded.") % {"name": member.full_name},
    )


def _signing(
    request: HttpRequest,
    campaign: PledgeCampaign,
    member: Member,
    previous: Pledge | None,
    form: SignForm | PaperPledgeForm,
    *,
    template: str,
    done: str,
) -> HttpResponse:
    page = {"campaign": campaign, "member": member, "previous": previous, "form": form}
    outcome = submits.repeat(request)  # sent again: straight to the pledge the first POST signed
    if outcome is None and form.is_valid():
        try:
            outcome = submits.once(
                request,
                form,
                partial(services.sign_pledge, campaign, member, by=request.user, **form.signature()),
            )
        except OutOfDate as error:
            page["campaign"] = error.current
            return refuse(request, error, template, page, form=form)
        except ValidationError as error:
            _form_errors(form, error)
    if outcome is not None:
        submits.say(request, outcome, done)
        return redirect(outcome.record)
    return render(request, template, page)


def _pledge_or_404(request: HttpRequest, pk: int) -> Pledge:
    return get_object_or_404(
        Pledge.objects.visible_to(request.user).select_related(
            "campaign__committee", "member__cell", "recorded_by", "supersedes"
        ),
        pk=pk,
    )


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed pledge as signed, printable; the earlier signatures it replaced, if any."""
    pledge = _pledge_or_404(request, pk)
    commitments, deeds = services.signed_lines(pledge)
    return render(
        request,
        "reviews/pledge_detail.html",
        {
            "pledge": pledge,
            "commitments": commitments,
            "deeds": deeds,
            "earlier": services.superseded_chain(pledge),
            "newer": Pledge.objects.filter(supersedes=pledge).first(),
        },
    )


def docx(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = _pledge_or_404(request, pk)
    commitments, deeds = services.signed_lines(pledge)
    response = HttpResponse(
        pledge_docx.pledge_docx(pledge, commitments=commitments, deeds=deeds),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="cam-ket-{pledge.campaign.year}-{pledge.member.cell.code}-{pledge.pk}.docx"'
    )
    return response


def review_lines(request: HttpRequest, pk: int) -> HttpResponse:
    """In the year-end review: each line of the member's pledge of that year, kept, partly or not kept."""
    review = get_object_or_404(
        Review.objects.visible_to(request.user).select_related("cell", "member"), pk=pk
    )
    if not review_permissions.can_self_assess(request.user, review):
        raise PermissionDenied
    lines = services.review_lines(review)
    form = PledgeLinesForm(request.POST or None, lines=lines)
    if lines and form.is_valid():
        services.mark_lines(review, by=request.user, marks=form.marks())
        messages.success(request, _("The pledge's lines are marked."))
        return redirect(review)
    return render(
        request, "reviews/review_pledge_lines.html", {"review": review, "form": form, "lines": lines}
    )
