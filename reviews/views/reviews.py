"""Review pages: rounds and their progress, one review and its steps, a cell's and a member's reviews."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cells.models import Cell, Member
from phuthang import access, jobs, periods, submits
from phuthang.concurrency import OutOfDate, refuse, stale_post, typed_text
from phuthang.paging import BoundedPaginator
from phuthang.security import safe_next
from reviews import jobs as round_jobs
from reviews.forms.reviews import (
    DecisionForm,
    ProposalForm,
    ReopenForm,
    RoundForm,
    SelfAssessmentForm,
    WithdrawForm,
)
from reviews.models import Manifestation, Review, ReviewFinding, ReviewRound, Shortcoming, WorksheetScore
from reviews.models.reviews import RatingLevels, RoundCellCount
from reviews.permissions import duties
from reviews.permissions import reviews as permissions
from reviews.services import pledges as pledge_services
from reviews.services import reviews as services
from reviews.services import worksheets
from reviews.services.history import history_rows, round_history


def _review_or_404(request: HttpRequest, pk: int) -> Review:
    return get_object_or_404(
        Review.objects.visible_to(request.user).select_related("cell__committee", "member", "round"), pk=pk
    )


def _form_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- Rounds


def round_index(request: HttpRequest) -> HttpResponse:
    if not permissions.sees_rounds(request.user):
        raise Http404
    # queries: the rounds with their progress summed over the per-cell counts the user sees (one query)
    counts = RoundCellCount.objects.visible_to(request.user)
    rounds = list(ReviewRound.objects.with_progress(counts).select_related("committee"))
    return render(
        request,
        "reviews/review_rounds.html",
        {"rounds": rounds, "can_start": bool(permissions.round_committees(request.user))},
    )


def round_new(request: HttpRequest) -> HttpResponse:
    committees = permissions.round_committees(request.user)
    if not committees:
        if not permissions.sees_rounds(request.user):
            raise Http404
        raise PermissionDenied
    form = RoundForm(request.POST or None, committees=committees)
    outcome = submits.repeat(request)  # sent again: straight to the job the first POST started
    if outcome is None and form.is_valid():
        data = form.cleaned_data
        quarter = data["quarter"] if data["period_kind"] == "quarter" else None
        period = {"period_kind": data["period_kind"], "year": data["year"], "quarter": quarter}
        try:
            if (problem := services.round_problem(data["committee"], **period)) is not None:
                raise problem
            start = partial(
                jobs.start,
                "round_start",
                key=round_jobs.round_key(data["committee"].pk, title=data["title"], **period),
                by=request.user,
                params={"committee": data["committee"].pk, "title": data["title"], **period},
                committee_id=data["committee"].pk,
            )
            outcome = submits.once(request, form, start)
        except ValidationError as error:
            _form_errors(form, error)
    if outcome is not None:
        # the round is started by the worker: its page shows the progress, then links to the round
        submits.say(request, outcome, _("The review round is being started."))
        return redirect(outcome.record)
    return render(request, "reviews/review_round_new.html", {"form": form})


CELLS_PER_PAGE = 50


def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's progress per cell, 50 cells a page (findable by name or code), and what awaits decision."""
    visible = Review.objects.visible_to(request.user).filter(round_id=pk)
    review_round = get_object_or_404(
        ReviewRound.objects.select_related("committee", "closed_by__member").filter(
            pk__in=visible.values("round_id")
        ),
        pk=pk,
    )
    query = request.GET.get("q", "").strip()
    counts = (
        RoundCellCount.objects.visible_to(request.user)
        .filter(round=review_round)
        .select_related("cell")
        .order_by("cell__code")
    )
    if query:
        counts = counts.filter(Q(cell__name__icontains=query) | Q(cell__code__icontains=query))
    page = BoundedPaginator(counts, CELLS_PER_PAGE).get_page(request.GET.get("page"))
    progress = services.round_progress(page, visible)
    a = access.for_user(request.user)
    to_decide = []
    if review_round.committee_id in a.leader_committee_ids:
        # the proposals of this page's cells: a province has tens of thousands at once
        to_decide = list(
            visible.filter(status=Review.Status.PROPOSED, cell_id__in=[p.counts.cell_id for p in progress])
            .select_related("cell", "member")
            .only(
                "cell_id", "member_id", "proposed_rating", "member__full_name", "cell__name"
            )  # what it shows
            .order_by("cell__code", "member__full_name")
        )
        # nobody decides their own review (or their cell's, as its secretary): not offered, as the page refuses it
        to_decide = [review for review in to_decide if not duties.owns_review(request.user, review)]
    levels = RatingLevels.load()
    for review in to_decide:
        review.proposed_name = levels.name(review.proposed_rating)
    shares, history = None, []
    if a.is_staff or review_round.committee_id in a.committee_wide_ids:
        # the cap counts the whole round, so only those who see the whole round read it
        found = services.top_shares(review_round.pk, levels)
        shares = [(_("Members"), found[False]), (_("Cells (collective)"), found[True])]
        history = round_history(review_round)
    good = levels.levels[1].code if len(levels.levels) > 1 else ""
    return render(
        request,
        "reviews/review_round.html",
        {
            "round": review_round,
            "progress": progress,
            "page": page,
            "query": query,
            "to_decide": to_decide,
            "shares": shares,
            "top_name": levels.name(levels.top),
            "good_name": levels.name(good),
            "can_close": permissions.can_close_round(request.user, review_round),
            "history": history,
            "sees_rounds": permissions.sees_rounds(request.user),
        },
    )


@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    visible = Review.objects.visible_to(request.user).filter(round_id=pk)
    review_round = get_object_or_404(ReviewRound.objects.filter(pk__in=visible.values("round_id")), pk=pk)
    if not permissions.can_close_round(request.user, review_round):
        raise PermissionDenied
    try:
        services.close_round(review_round, by=request.user)
    except (OutOfDate, ValidationError) as error:  # nothing typed to keep: the round's page says the rest
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The review round is closed."))
    return redirect(review_round)


# --- One review


def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_or_404(request, pk)
    return render(request, "reviews/review_detail.html", _detail_page(request, review))


def _detail_page(request: HttpRequest, review: Review) -> dict[str, Any]:
    user = request.user
    levels = RatingLevels.load()
    decide_refusal = None
    if review.status == Review.Status.PROPOSED and _is_leader(user, review):
        decide_refusal = duties.decide_refusal(user, review)
    checklist = [row for row in services.checklist(review) if row[1] is not None]
    earlier = services.earlier_shortcomings(review)
    present = any(line.present for _m, line in checklist if line is not None)
    return {
        "review": review,
        "levels": levels,
        "proposed_name": levels.name(review.proposed_rating),
        "decided_name": levels.name(review.decided_rating),
        "checklist": checklist,
        "earlier": earlier,
        # issue 12: the 100-point worksheet, seen by whoever sees the review (three queries)
        "worksheet": worksheets.load(review, levels=levels, present=present, earlier=earlier),
        "earlier_list": services.earlier_shortcoming_list(review),
        "self_level_name": levels.name(review.self_level),
        "shortcomings": list(review.shortcomings.visible_to(user).for_list().order_by("due_on")),
        "can_self_assess": permissions.can_self_assess(user, review),
        "can_propose": permissions.can_propose(user, review),
        "can_decide": permissions.can_decide(user, review),
        "decide_refusal": decide_refusal,  # a leader whose own review this is: who decides it instead
        "instead": duties.deciders(user, review) if decide_refusal else [],
        "can_reopen": permissions.can_reopen_review(user, review),
        "can_history": permissions.can_read_history(user, review.cell),
        "can_record": review.member_id is not None
        and permissions.can_record_shortcoming(user, review.cell)
        and review.status != Review.Status.WITHDRAWN,
        "reopen_form": ReopenForm(initial={"version": review.version}),
        "can_withdraw": permissions.can_withdraw_review(user, review),
        "withdraw_form": WithdrawForm(initial={"version": review.version}),
        "exempt": services.is_exempt(review),
        # a member reads their own review without seeing their cell's: the way back is then their own page
        "sees_cell": Cell.objects.visible_to(user).filter(pk=review.cell_id).exists(),
        "pledge_lines": pledge_services.review_lines(review),  # issue 12: the year's pledge, kept or not
    }


def _refuse_on_detail(request: HttpRequest, error: OutOfDate, form: Any) -> HttpResponse:
    """A step posted from the review's own page: that page again as it is now, one's own text apart."""
    review = _review_or_404(request, error.current.pk)
    return refuse(
        request,
        error,
        "reviews/review_detail.html",
        _detail_page(request, review),
        typed=typed_text(form, review),
    )


def _is_leader(user: Any, review: Review) -> bool:
    return permissions.leads(user, review.cell.committee)


def review_self_assess(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_or_404(request, pk)
    own = review.member_id is not None and review.member_id == access.for_user(request.user).member_id
    # here and below: a stale page's POST by someone holding the role goes on to the service, which
    # refuses it as out of date (its status moved on) rather than a bare 403
    if not permissions.can_self_assess(request.user, review) and not (
        stale_post(request, review) and (own or permissions.is_cell_secretary(request.user, review.cell_id))
    ):
        raise PermissionDenied
    form = _self_assessment_form(request, review)
    sheet = _add_worksheet(form, review, worksheets.Stage.SELF)
    on_paper = not own and review.member_id is not None
    page = {"title": _("Self-assessment"), "on_paper": on_paper, **_self_review_page(review), **sheet}
    if form.is_valid():
        try:
            services.self_assess(
                review,
                by=request.user,
                sections=form.sections(),
                on_paper=on_paper,
                version=form.cleaned_data["version"],
                column=form.column() if form.criteria else None,
            )
        except OutOfDate as error:
            context = {"review": error.current, "form": form, **page}
            return refuse(request, error, "reviews/review_form.html", context, form=form)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Self-assessment saved."))
            return redirect(review)
    return render(request, "reviews/review_form.html", {"review": review, "form": form, **page})


def _self_assessment_form(request: HttpRequest, review: Review) -> SelfAssessmentForm:
    """The sections as last saved (a review from before them starts empty: its old text is shown above)."""
    marked = set(review.findings.filter(self_marked=True).values_list("manifestation_id", flat=True))
    initial = {
        "version": review.version,
        "self_strengths": review.self_strengths,
        "self_shortcomings": review.self_shortcomings,
        "self_collective": review.self_collective,
        "self_direction": review.self_direction,
        "self_level": review.self_level,
    }
    return SelfAssessmentForm(
        request.POST or None,
        initial=initial,
        levels=RatingLevels.load(),
        manifestations=list(Manifestation.objects.order_by("code")),
        marked=marked,
        leader=services.holds_leadership(review),
    )


def _add_worksheet(form: Any, review: Review, stage: str) -> dict[str, Any]:
    """Give a step's form its stage's column of the worksheet; what its page shows beside the fields: the
    other stages' points (six queries, whatever the number of criteria)."""
    sheet = worksheets.load(
        review,
        levels=RatingLevels.load(),
        present=review.findings.filter(present=True).exists(),
        earlier=services.earlier_shortcomings(review),
    )
    if sheet is None:
        return {"worksheet": None}
    own = sheet.column(stage)
    column: dict[int, Any] = {**own.points, **dict.fromkeys(own.breached, True)}
    form.add_worksheet(sheet.criteria, column)
    rows = [
        (
            title,
            points,
            [
                (
                    line,
                    form.worksheet_field(line.criterion),
                    [cell for cell in line.cells if cell[0].stage != stage],
                )
                for line in lines
            ],
        )
        for _code, title, points, lines in sheet.sections
    ]
    return {"worksheet": sheet, "worksheet_rows": rows, "worksheet_stage": stage}


def _self_review_page(review: Review) -> dict[str, Any]:
    """What the self-review form shows read-only: the earlier shortcomings being fixed, the old text."""
    return {"earlier_list": services.earlier_shortcoming_list(review), "self_form": True}


def review_propose(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_or_404(request, pk)
    if not permissions.can_propose(request.user, review) and not (
        stale_post(request, review) and permissions.is_cell_secretary(request.user, review.cell_id)
    ):
        raise PermissionDenied
    levels = RatingLevels.load()
    manifestations = list(Manifestation.objects.order_by("code"))
    lines = {f.manifestation_id: f for f in review.findings.all()}
    initial = {"version": review.version, "criticism": review.criticism, "rating": review.proposed_rating}
    form = ProposalForm(
        request.POST or None, initial=initial, levels=levels, manifestations=manifestations, lines=lines
    )
    sheet = _add_worksheet(form, review, worksheets.Stage.CELL)
    if form.is_valid():
        try:
            services.propose(
                review,
                by=request.user,
                criticism=form.cleaned_data["criticism"],
                findings=form.findings(),
                rating=form.cleaned_data["rating"],
                version=form.cleaned_data["version"],
                column=form.column() if form.criteria else None,
            )
        except OutOfDate as error:
            context = {
                "review": error.current,
                "form": form,
                "earlier": services.earlier_shortcomings(review),
                "earlier_list": services.earlier_shortcoming_list(review),
                "self_level_name": levels.name(error.current.self_level),
                **sheet,
            }
            return refuse(request, error, "reviews/review_propose.html", context, form=form)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The cell's proposal was saved."))
            return redirect(review)
    return render(
        request,
        "reviews/review_propose.html",
        {
            "review": review,
            "form": form,
            "earlier": services.earlier_shortcomings(review),
            "pledge_lines": pledge_services.review_lines(review),
            "earlier_list": services.earlier_shortcoming_list(review),
            "self_level_name": levels.name(review.self_level),
            **sheet,
        },
    )


def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_or_404(request, pk)
    if not permissions.can_decide(request.user, review) and not (
        stale_post(request, review) and _is_leader(request.user, review)
    ):
        raise PermissionDenied
    levels = RatingLevels.load()
    form = DecisionForm(
        request.POST or None,
        initial={
            "version": review.version,
            "rating": review.proposed_rating,
            "reason": review.decision_reason,
        },
        levels=levels,
    )
    sheet = _add_worksheet(form, review, worksheets.Stage.DECISION)
    if form.is_valid():
        try:
            services.decide(
                review,
                by=request.user,
                rating=form.cleaned_data["rating"],
                version=form.cleaned_data["version"],
                column=form.column() if form.criteria else None,
                reason=form.cleaned_data["reason"],
            )
        except OutOfDate as error:
            review = error.current
            return refuse(
                request,
                error,
                "reviews/review_form.html",
                _decide_page(review, form, levels, sheet),
                form=form,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Rating decided."))
            return redirect(safe_next(request, request.POST.get("next"), review))
    return render(request, "reviews/review_form.html", _decide_page(review, form, levels, sheet))


def _decide_page(
    review: Review, form: DecisionForm, levels: RatingLevels, sheet: dict[str, Any]
) -> dict[str, Any]:
    return {
        "review": review,
        "form": form,
        "title": _("Decide the rating"),
        "proposed_name": levels.name(review.proposed_rating),
        "earlier": services.earlier_shortcomings(review),
        "present": review.findings.filter(present=True).exists(),
        "decide_form": True,
        **sheet,
    }


@require_POST
def review_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_or_404(request, pk)
    if not permissions.can_reopen_review(request.user, review) and not (
        stale_post(request, review) and _is_leader(request.user, review)
    ):
        raise PermissionDenied
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for re-opening the review."))
        return redirect(review)
    try:
        services.reopen_review(
            review, by=request.user, reason=form.cleaned_data["reason"], version=form.cleaned_data["version"]
        )
    except OutOfDate as error:
        return _refuse_on_detail(request, error, form)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The review was re-opened."))
    return redirect(review)


@require_POST
def review_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_or_404(request, pk)
    if not permissions.can_withdraw_review(request.user, review) and not (
        stale_post(request, review) and _is_leader(request.user, review)
    ):
        raise PermissionDenied
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for withdrawing the review."))
        return redirect(review)
    try:
        services.withdraw_review(
            review, by=request.user, reason=form.cleaned_data["reason"], version=form.cleaned_data["version"]
        )
    except OutOfDate as error:
        return _refuse_on_detail(request, error, form)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The review was withdrawn."))
    return redirect(review)


def review_history(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_or_404(request, pk)
    if not permissions.can_read_history(request.user, review.cell):
        raise PermissionDenied
    # the review, its checklist lines and its worksheet scores
    events = history_rows(review, children=(ReviewFinding, WorksheetScore))
    return render(request, "reviews/review_history.html", {"review": review, "events": events})


def _label_ratings(reviews: Any) -> None:
    levels = RatingLevels.load()
    for review in reviews:
        review.rating_label = levels.name(review.decided_rating or review.proposed_rating)


# --- A cell's and a member's reviews (reviews pages: the cells app shows only the organisation)


def cell_reviews(request: HttpRequest, pk: int) -> HttpResponse:
    cell = get_object_or_404(Cell.objects.visible_to(request.user).select_related("committee"), pk=pk)
    reviews = Review.objects.visible_to(request.user).filter(cell=cell).for_list()
    page = BoundedPaginator(reviews.order_by("-year", "member__full_name"), 50).get_page(
        request.GET.get("page")
    )
    _label_ratings(page)
    today = periods.today()
    shortcomings = list(
        Shortcoming.objects.visible_to(request.user)
        .filter(cell=cell)
        .exclude(status__in=[Shortcoming.Status.VERIFIED, Shortcoming.Status.WITHDRAWN])
        .for_list()
        .order_by("due_on")[:200]
    )
    return render(
        request,
        "reviews/review_cell.html",
        {
            "cell": cell,
            "page": page,
            "shortcomings": shortcomings,
            "today": today,
            "can_record": permissions.can_record_shortcoming(request.user, cell),
        },
    )


def member_reviews(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Member.objects.visible_to(request.user).select_related("cell"), pk=pk)
    reviews = list(Review.objects.visible_to(request.user).filter(member=person).for_list())
    shortcomings = list(
        Shortcoming.objects.visible_to(request.user)
        .filter(Q(subject_member=person) | Q(owner=person))
        .for_list()
        .order_by("status", "due_on")
    )
    _label_ratings(reviews)
    for item in shortcomings:
        item.can_report = permissions.can_report_progress(request.user, item)
    return render(
        request,
        "reviews/review_member.html",
        {"person": person, "reviews": reviews, "shortcomings": shortcomings},
    )
