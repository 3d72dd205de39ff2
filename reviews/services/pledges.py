"""Opening pledge campaigns, correcting their text, signing (in the app or from paper), and who must sign.

Who must sign is computed, never stored (docs/pledges.md): the members of the campaign committee's active
cells on the day counted (`PledgeCampaign.counted_on`), not exempt that day. A pledge row exists only once
someone signed; a new signature supersedes the standing one, which is kept unchanged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, FilteredRelation, Max, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cells.models import Cell, Committee, Member
from phuthang import periods
from phuthang.concurrency import lock_current
from phuthang.constraints import constraint_error
from phuthang.history import records_who
from reviews.models import (
    Pledge,
    PledgeCampaign,
    PledgeCampaignText,
    PledgeCellCount,
    PledgeLine,
    PledgeLineOutcome,
)

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from django.contrib.auth import models as auth


@dataclasses.dataclass(frozen=True)
class Line:
    """One commitment or registered deed as typed: the text, an optional target and date."""

    text: str
    target: str = ""
    due_on: dt.date | None = None


# --- Who must sign, and who did


def expected_members(campaign: PledgeCampaign, on: dt.date | None = None) -> QuerySet[Member]:
    """The members who must sign: in an active cell of the committee on the day, not exempt that day."""
    on = on or campaign.counted_on()
    return (
        Member.objects.filter(cell__committee_id=campaign.committee_id, cell__active=True)
        .current(on)
        .not_exempt(on)
    )


@dataclasses.dataclass(frozen=True)
class CellProgress:
    cell: Cell
    expected: int
    signed: int

    @property
    def unsigned(self) -> int:
        return self.expected - self.signed


def committee_progress(campaign: PledgeCampaign, cells: Sequence[Cell]) -> list[CellProgress]:
    """Signed / expected for each cell, in one grouped query whatever the number of cells or members."""
    ids = [c.pk for c in cells if c.committee_id == campaign.committee_id and c.active]
    counts = progress_by_cell(campaign, ids)
    return [CellProgress(c, *counts.get(c.pk, (0, 0))) for c in cells]


def progress_by_cell(campaign: PledgeCampaign, cell_ids: Any) -> dict[int, tuple[int, int]]:
    """Cell id → (expected, signed) for the cells given, which must be active cells of the campaign's
    committee (a list, or a queryset of their ids for a province's thousands), in one grouped query;
    cells with nobody to sign are left out."""
    return {cell: (n, signed) for cell, n, signed in progress_rows(campaign, cell_ids)}


def progress_rows(campaign: PledgeCampaign, cell_ids: Any) -> QuerySet[Member, tuple[int, int, int]]:
    """`progress_by_cell` as a query of (cell id, expected, signed), for a caller that joins it to more."""
    on = campaign.counted_on()
    # filtering members by cell id alone spares a join with the cells, which the planner misjudged on a
    # freshly seeded province (a nested loop, 0.5 s for 220 cells); a member has at most one standing
    # pledge in a campaign (a constraint), so the outer join counts each member once
    return (
        Member.objects.filter(cell_id__in=cell_ids)
        .current(on)
        .not_exempt(on)
        .annotate(
            standing=FilteredRelation(
                "pledges", condition=Q(pledges__campaign=campaign, pledges__status=Pledge.Status.SIGNED)
            )
        )
        .values_list("cell_id")
        .annotate(n=Count("pk"), signed=Count("standing__member"))
        .order_by()
    )


def kept_is_current(kept: QuerySet[PledgeCellCount], on: dt.date) -> bool:
    """Whether the kept counts `kept` (of a campaign's cells) may stand for the records: there are some, and
    all are of the day counted (one small aggregate). When not, the caller counts from the records."""
    found = kept.aggregate(n=Count("pk"), other_day=Count("pk", filter=~Q(counted_on=on)))
    return bool(found["n"]) and not found["other_day"]


def rebase_counts(today: dt.date | None = None) -> int:
    """Count again every campaign whose kept counts are not of its day counted (`counted_on`): a new
    campaign, or a new day of this year's. One statement per such campaign; returns how many."""
    from django.db import connection

    today = today or periods.today()
    kept = dict(PledgeCellCount.objects.order_by().values_list("campaign_id").annotate(day=Max("counted_on")))
    stale = [
        (c.pk, day)
        for c in PledgeCampaign.objects.only("pk", "year")
        if kept.get(c.pk) != (day := c.counted_on(today))
    ]
    with connection.cursor() as cursor:
        for pk, day in stale:
            cursor.execute("SELECT phuthang_count_pledges(NULL, %s, %s)", [pk, day])
    return len(stale)


@dataclasses.dataclass(frozen=True)
class CellLists:
    """A cell's members for one campaign: who signed (and on which text version), who has not, the exempt."""

    signed: list[tuple[Member, Pledge]]
    unsigned: list[Member]
    exempt: list[tuple[Member, Pledge | None]]  # not counted; listed apart, with a pledge if they signed
    old_version: list[tuple[Member, Pledge]]  # among `signed`: an earlier text, may sign again

    @property
    def expected(self) -> int:
        return len(self.signed) + len(self.unsigned)


def cell_lists(campaign: PledgeCampaign, cell: Cell) -> CellLists:
    """In two queries: the cell's members on the day counted, and their standing pledges."""
    on = campaign.counted_on()
    members = list(Member.objects.filter(cell=cell).current(on).order_by("full_name", "pk"))
    pledges = {
        p.member_id: p
        for p in Pledge.objects.standing().filter(campaign=campaign, member__in=[m.pk for m in members])
    }
    signed, unsigned, exempt = [], [], []
    for m in members:
        if m.is_exempt(on):
            exempt.append((m, pledges.get(m.pk)))
        elif m.pk in pledges:
            signed.append((m, pledges[m.pk]))
        else:
            unsigned.append(m)
    old = [(m, p) for m, p in signed if p.text_version < campaign.text_version]
    return CellLists(signed=signed, unsigned=unsigned, exempt=exempt, old_version=old)


def unsigned_members(campaign: PledgeCampaign, on: dt.date | None = None) -> QuerySet[Member]:
    """The members who must sign and have no standing pledge (the reminder's names)."""
    signed = Pledge.objects.standing().filter(campaign=campaign).values("member_id")
    return expected_members(campaign, on).exclude(pk__in=signed)


def standing_pledge(campaign: PledgeCampaign, member: Member) -> Pledge | None:
    return Pledge.objects.standing().filter(campaign=campaign, member=member).first()


# --- Writes


@records_who
@transaction.atomic
def start_campaign(
    committee: Committee,
    *,
    by: auth.User | None,
    year: int,
    title: str,
    due_on: dt.date,
    text: str,
    opened_on: dt.date | None = None,
) -> PledgeCampaign:
    """Open the campaign with its first text version. Raises ValidationError for a second one that year."""
    opened_on = opened_on or periods.today()
    if due_on.year != year:
        raise ValidationError({"due_on": _("The due date must fall in the campaign's year.")})
    if due_on < opened_on:
        raise ValidationError({"due_on": _("The due date cannot be before the campaign opens.")})
    campaign = PledgeCampaign(
        committee=committee,
        year=year,
        title=title.strip(),
        opened_on=opened_on,
        due_on=due_on,
        text=text.strip(),
        created_by=by,
    )
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError as exc:
        raise constraint_error(exc, PledgeCampaign) from exc
    PledgeCampaignText.objects.create(campaign=campaign, number=1, text=campaign.text, created_by=by)
    transaction.on_commit(_count_on_the_worker, robust=True)  # a province's count is the worker's
    return campaign


def _count_on_the_worker() -> None:
    threading.Thread(target=_publish_count, name="enqueue-pledge-counts", daemon=True).start()


def _publish_count() -> None:
    """Never blocks the request on the broker; if it is down, beat's hourly tick counts the same."""
    from reviews import tasks  # tasks import the services

    try:
        tasks.pledge_counts.apply_async(retry=False)
    except Exception:
        log.warning("could not enqueue pledge_counts; the next beat tick will do it", exc_info=True)


@records_who
@transaction.atomic
def correct_text(
    campaign: PledgeCampaign, *, by: auth.User, text: str, reason: str, version: int
) -> PledgeCampaign:
    """A new version of the common text. What anyone signed stays as it was; they are listed to sign again."""
    locked = lock_current(
        PledgeCampaign.objects,
        campaign.pk,
        version=version,
        refused=_("Not saved: the campaign changed meanwhile. Please look again."),
    )
    text = text.strip()
    if text == locked.text:
        raise ValidationError({"text": _("The text is the same as the current version.")})
    locked.text, locked.text_version, locked.version = text, locked.text_version + 1, locked.version + 1
    locked.save(update_fields=["text", "text_version", "version"])
    PledgeCampaignText.objects.create(
        campaign=locked, number=locked.text_version, text=text, reason=reason.strip(), created_by=by
    )
    return locked


@records_who
@transaction.atomic
def sign_pledge(
    campaign: PledgeCampaign,
    member: Member,
    *,
    by: auth.User,
    campaign_version: int,
    commitments: Iterable[Line],
    deeds: Iterable[Line] = (),
    reason: str = "",
    paper_signed_on: dt.date | None = None,
) -> Pledge:
    """Keep what the member signed, exactly as the page showed it (`campaign_version`), with the time.

    On paper (`paper_signed_on` given) the secretary records it for the member. A member who already has a
    standing pledge signs again only with a reason: the new pledge supersedes the old, which stays unchanged.
    Raises ValidationError with a message for the user, OutOfDate when the text changed meanwhile.
    """
    locked = lock_current(
        PledgeCampaign.objects,
        campaign.pk,
        version=campaign_version,
        refused=_("Not signed: the text of the pledge was corrected meanwhile. Please read it again."),
    )
    commitments, deeds = list(commitments), list(deeds)
    _refuse_bad_signature(locked, member, commitments=commitments, paper_signed_on=paper_signed_on)
    previous = Pledge.objects.select_for_update().standing().filter(campaign=locked, member=member).first()
    reason = reason.strip()
    if previous is not None and not reason:
        raise ValidationError(
            {"reason": _("This member has already signed this pledge. To sign again, give the reason.")}
        )
    now = timezone.now()
    if previous is not None:
        previous.status, previous.superseded_at = Pledge.Status.SUPERSEDED, now
        previous.save(update_fields=["status", "superseded_at"])
    pledge = Pledge(
        campaign=locked,
        member=member,
        method=Pledge.Method.PAPER if paper_signed_on else Pledge.Method.ONLINE,
        text_version=locked.text_version,
        text_signed=locked.text,
        signed_at=now,
        paper_signed_on=paper_signed_on,
        recorded_by=by,
        supersedes=previous,
        reason=reason if previous is not None else "",
    )
    try:
        with transaction.atomic():
            pledge.save()
    except IntegrityError as exc:
        raise constraint_error(exc, Pledge) from exc
    PledgeLine.objects.bulk_create(
        [
            PledgeLine(
                pledge=pledge, kind=kind, position=i, text=line.text, target=line.target, due_on=line.due_on
            )
            for kind, lines in ((PledgeLine.Kind.COMMITMENT, commitments), (PledgeLine.Kind.DEED, deeds))
            for i, line in enumerate(lines, start=1)
        ]
    )
    return pledge


def _refuse_bad_signature(
    campaign: PledgeCampaign, member: Member, *, commitments: list[Line], paper_signed_on: dt.date | None
) -> None:
    if member.cell.committee_id != campaign.committee_id:
        raise ValidationError(
            _("This pledge campaign belongs to another committee: the member cannot sign it.")
        )
    if not commitments:
        raise ValidationError({"commitments": _("Write at least one personal commitment.")})
    if paper_signed_on is not None:
        if paper_signed_on > periods.today():
            raise ValidationError({"paper_signed_on": _("The date on the paper cannot be in the future.")})
        if paper_signed_on < campaign.opened_on:
            raise ValidationError(
                {
                    "paper_signed_on": _(
                        "The date on the paper cannot be before the campaign opened (%(day)s)."
                    )
                    % {"day": date_format(campaign.opened_on, "SHORT_DATE_FORMAT")}
                }
            )


def signed_lines(pledge: Pledge) -> tuple[list[PledgeLine], list[PledgeLine]]:
    """(commitments, deeds) of a pledge, in the order signed, in one query."""
    lines = list(pledge.lines.all())
    kind = PledgeLine.Kind
    return [x for x in lines if x.kind == kind.COMMITMENT], [x for x in lines if x.kind == kind.DEED]


def superseded_chain(pledge: Pledge) -> list[Pledge]:
    """The earlier pledges of the same member and campaign, newest first (kept, never changed)."""
    return list(
        Pledge.objects.filter(campaign_id=pledge.campaign_id, member_id=pledge.member_id)
        .filter(~Q(pk=pledge.pk), signed_at__lte=pledge.signed_at)
        .order_by("-signed_at", "-pk")
    )


# --- The year-end review: each line of the year's pledge, kept or not


def review_lines(review: Any) -> list[tuple[PledgeLine, PledgeLineOutcome | None]]:
    """The lines of the member's standing pledge of the review's year (their committee's campaign), each with
    its outcome in this review if marked; two queries. Empty for a collective's review or no pledge."""
    if review.member_id is None:
        return []
    pledge = (
        Pledge.objects.standing()
        .filter(
            member_id=review.member_id,
            campaign__year=review.year,
            campaign__committee_id=review.cell.committee_id,
        )
        .first()
    )
    if pledge is None:
        return []
    marks = {o.line_id: o for o in PledgeLineOutcome.objects.filter(review=review)}
    return [(line, marks.get(line.pk)) for line in pledge.lines.all()]


@records_who
@transaction.atomic
def mark_lines(review: Any, *, by: auth.User, marks: dict[int, tuple[str, str]]) -> int:
    """Save the outcome and note of each line given (line id → (outcome, note)); an empty outcome leaves a
    line unmarked. Only lines of the member's pledge of that year are taken. Returns how many were saved."""
    own = {line.pk for line, _o in review_lines(review)}
    saved = 0
    for line_id, (outcome, note) in marks.items():
        if line_id in own and outcome:
            PledgeLineOutcome.objects.update_or_create(
                review=review, line_id=line_id, defaults={"outcome": outcome, "note": note.strip(), "by": by}
            )
            saved += 1
    return saved
