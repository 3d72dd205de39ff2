"""Changes to the organisation that touch several rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cells import importing
from cells.models import (
    COMMITTEE_ROLES,
    Cell,
    Committee,
    ImportMapping,
    ImportUpload,
    LifeEvent,
    Member,
    MemberImport,
    OversightAssignment,
    Position,
)
from phuthang import periods
from phuthang.access import committee_tree
from phuthang.bulk import insert_select
from phuthang.concurrency import OutOfDate, lock_current
from phuthang.history import records_who

if TYPE_CHECKING:
    from django.contrib.auth import models as auth


@transaction.atomic
def save_member_contact(
    member: Member, *, version: int, phone: str, email: str, exempt_since: dt.date | None
) -> Member:
    """The details a secretary keeps up to date; a save from a page that showed another version is refused."""
    locked = lock_current(
        Member.objects,
        member.pk,
        version=version,
        refused=_(
            "Not saved: someone else changed this member's details after you opened the page. Their version "
            "is shown below; what you typed is kept to copy back."
        ),
    )
    locked.phone, locked.email, locked.exempt_since = phone, email, exempt_since
    locked.version = version + 1
    locked.save(update_fields=["phone", "email", "exempt_since", "version"])
    return locked


def oversight_token(overseer_ids: dict[int, int]) -> str:
    """A fingerprint of the overseers (cell id → overseer id) of one page of cells."""
    state = ",".join(f"{cell_id}:{overseer_ids[cell_id]}" for cell_id in sorted(overseer_ids))
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def _lock_oversight(committee: Committee) -> None:
    # one row lock per committee serialises its leaders' saves and copies: the token is checked and the
    # rows written with no other save in between, and a copy never races an insert into a unique error
    Committee.objects.select_for_update().filter(pk=committee.pk).values_list("pk").first()


@records_who
@transaction.atomic
def assign_oversight(
    committee: Committee,
    *,
    month: dt.date,
    overseers: dict[int, Member | None],
    by: auth.User,
    token: str | None = None,
) -> int:
    """Set the overseer of each given cell for the month; None removes the assignment. Returns changes.

    With a token, raises OutOfDate (and changes nothing) when those cells' overseers are no
    longer the ones it was made from.
    """
    month = periods.month_start(month)
    _lock_oversight(committee)
    current = {
        a.cell_id: a
        for a in OversightAssignment.objects.filter(
            month=month, cell__committee=committee, cell_id__in=list(overseers)
        )
    }
    if token is not None and token != oversight_token({c: a.overseer_id for c, a in current.items()}):
        raise OutOfDate(
            committee,
            _(
                "Someone else changed these assignments while you were editing. "
                "Their changes are shown below; please check and save again."
            ),
        )
    changed = 0
    to_create = []
    for cell_id, overseer in overseers.items():
        existing = current.get(cell_id)
        if overseer is None:
            if existing is not None:
                existing.delete()  # an assignment is a plan, not a record: replacing it keeps no history
                changed += 1
        elif existing is None:
            to_create.append(
                OversightAssignment(cell_id=cell_id, overseer=overseer, month=month, assigned_by=by)
            )
        elif existing.overseer_id != overseer.pk:
            existing.overseer, existing.assigned_by = overseer, by
            existing.save(update_fields=["overseer", "assigned_by", "assigned_at"])
            changed += 1
    OversightAssignment.objects.bulk_create(to_create)
    return changed + len(to_create)


@records_who
@transaction.atomic
def copy_oversight(committee: Committee, *, month: dt.date, by: auth.User | None) -> int:
    """Copy last month's assignments into a month, for the cells that have none yet. Returns copies.

    One `INSERT … SELECT` (ON CONFLICT DO NOTHING): a province's 5,000 cells are copied by the database,
    and a copy run twice (a job delivered again) adds nothing the second time."""
    month = periods.month_start(month)
    _lock_oversight(committee)
    return insert_select(
        OversightAssignment,
        _to_copy(committee, month),
        {
            "cell": F("cell_id"),
            "overseer": F("overseer_id"),
            "month": month,
            "assigned_by": getattr(by, "pk", None),
        },
        conflict="ON CONFLICT DO NOTHING",
    )


def oversight_to_copy(committee: Committee, *, month: dt.date) -> int:
    """How many assignments a copy into `month` would make (the page decides: at once, or as a job)."""
    return _to_copy(committee, periods.month_start(month)).count()


def _to_copy(committee: Committee, month: dt.date) -> QuerySet[OversightAssignment]:
    taken = OversightAssignment.objects.filter(month=month, cell__committee=committee).values("cell_id")
    return OversightAssignment.objects.filter(
        month=periods.add_months(month, -1), cell__committee=committee, cell__active=True
    ).exclude(cell_id__in=taken)


def _candidates(committee: Committee, *, among: list[int] | None = None) -> QuerySet[Member]:
    ids = among if among is not None else _candidate_positions(committee).values("member_id")
    # only what the form shows: a province committee has thousands of candidates
    members = Member.objects.filter(pk__in=ids).select_related("cell").only("full_name", "cell__name")
    return members.order_by("full_name", "pk")  # the order candidate_labels numbers namesakes in


def _candidate_positions(committee: Committee) -> QuerySet[Position]:
    return Position.objects.current().filter(
        committee=committee, role__in=sorted(COMMITTEE_ROLES), member__left_on__isnull=True
    )


def overseer_candidates(committee: Committee) -> list[Member]:
    """Members holding a committee role in the committee today: the ones who can oversee its cells."""
    return list(_candidates(committee))


def candidate_labels(candidates: list[Member]) -> dict[str, Member]:
    """A name per candidate that tells them apart: the full name, with the cell where names repeat.

    A candidate's label depends only on the candidates of the same full name, taken in `_candidates`'s
    order: any such part of the list is labelled as the whole list is.
    """
    counts = Counter(m.full_name for m in candidates)
    labels: dict[str, Member] = {}
    for m in candidates:
        label = m.full_name if counts[m.full_name] == 1 else f"{m.full_name} — {m.cell.name}"
        if label in labels:  # same name in the same cell: only the number tells them apart
            label = f"{label} (#{m.pk})"
        labels[label] = m
    return labels


SEARCH_WORDS = 5  # a name and a cell name fit; more words only make the query longer


def search_candidates(committee: Committee, text: str, *, limit: int) -> list[str]:
    """The labels of at most `limit` candidates whose name or cell holds every word typed, by name.

    Three queries: the candidates' ids, the first `limit` matches among them, then every candidate sharing
    one of their names (at most `limit` names), which is all their labels depend on.
    """
    words = [w for w in unicodedata.normalize("NFC", text).replace("—", " ").split() if w != "-"]
    if not words:
        return []
    # the ids first: in one query the planner, misjudging the LIKEs, reads every member of the province
    # (125 ms against 36 ms at 103,200 members)
    ids = list(_candidate_positions(committee).values_list("member_id", flat=True))
    matches = _candidates(committee, among=ids)
    for word in words[:SEARCH_WORDS]:
        matches = matches.filter(Q(full_name__icontains=word) | Q(cell__name__icontains=word))
    found = dict(matches.values_list("pk", "full_name")[:limit])
    if not found:
        return []
    namesakes = list(_candidates(committee, among=ids).filter(full_name__in=set(found.values())))
    return [label for label, m in candidate_labels(namesakes).items() if m.pk in found]


def cell_ids_of(committee: Committee) -> list[int]:
    return list(Cell.objects.active().filter(committee=committee).values_list("pk", flat=True))


# --- Importing a member list (cells/importing.py reads and plans; these write)


IMPORT_BATCH = 500


def upload_member_list(
    *, scope: importing.Scope, file_name: str, content: bytes, by: auth.User
) -> MemberImport:
    """Keep an uploaded file for its preview; no member is written. Refuses what cannot be read at all."""
    table = importing.read_table(content)  # Refused: the view shows why, nothing is kept
    importing.template_mapping(table.header)  # the template's shape with a column missing or twice: refused
    upload = MemberImport.objects.create(
        committee=scope.committee,
        cell=scope.cell,
        file_name=file_name[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        header_shape=importing.shape_of(table.header),
        uploaded_by=by,
        rows=len(table.rows),
    )
    ImportUpload.objects.create(member_import=upload, content=content)
    return upload


def import_mapping(upload: MemberImport, table: importing.Table) -> dict[str, int] | None:
    """The columns of the file: the template's, or the ones remembered for its header shape, or None."""
    mapping = importing.template_mapping(table.header)
    if mapping is not None:
        return mapping
    remembered = ImportMapping.objects.filter(committee=upload.committee, shape=upload.header_shape).first()
    if remembered is None or remembered.header != table.header:
        return None
    return {key: int(index) for key, index in remembered.columns.items()}


@records_who
def save_import_mapping(
    upload: MemberImport, *, header: list[str], columns: dict[str, int | None], by: auth.User
) -> ImportMapping:
    mapping = importing.checked_mapping(header, columns)
    saved, _created = ImportMapping.objects.update_or_create(
        committee=upload.committee,
        shape=upload.header_shape,
        defaults={"header": header, "columns": mapping, "saved_by": by},
    )
    return saved


def scope_of(upload: MemberImport) -> importing.Scope:
    return importing.Scope(committee=upload.committee, cell=upload.cell)


def plan_import(upload: MemberImport, *, lock: bool = False) -> tuple[importing.Table, importing.Plan | None]:
    """The table and, once its columns are known, the plan (None: the office must map the columns)."""
    table = importing.read_table(bytes(upload.upload.content))
    mapping = import_mapping(upload, table)
    if mapping is None:
        return table, None
    return table, importing.plan_rows(table, mapping, scope_of(upload), lock=lock)


def earlier_import(upload: MemberImport) -> MemberImport | None:
    """The last import of the very same file into the same committee, if any."""
    return (
        MemberImport.objects.filter(
            committee=upload.committee, sha256=upload.sha256, status=MemberImport.Status.IMPORTED
        )
        .exclude(pk=upload.pk)
        .order_by("-imported_at")
        .first()
    )


@records_who
@transaction.atomic
def import_members(
    upload: MemberImport, *, by: auth.User, progress: Callable[[int, int], None] | None = None
) -> MemberImport:
    """Write every row of a previewed file, all or nothing; refuses (ValidationError) a file with a problem.

    The committee's row is locked, so two imports into one committee run one after the other, and the plan
    is made again inside the transaction, against the members as they are now.
    """
    locked = MemberImport.objects.select_for_update().get(pk=upload.pk)
    if locked.status != MemberImport.Status.PREVIEWED:
        return locked  # confirmed twice (a double tap): the first one imported it
    Committee.objects.select_for_update().filter(pk=locked.committee_id).values_list("pk").first()
    _table, plan = plan_import(locked, lock=True)
    if plan is None:
        raise ValidationError(_("Choose the file's columns first."))
    if not plan.ok:
        raise ValidationError(
            _("Nothing was imported: %(count)d row(s) have problems. Correct the file and upload it again.")
            % {"count": len(plan.problems)}
        )
    total = len(plan.rows)
    if progress is not None:
        progress(0, total)
    new = [
        Member(cell=row.cell, **importing.applied(row)) for row in plan.rows if row.action == importing.NEW
    ]
    for start in range(0, len(new), IMPORT_BATCH):
        Member.objects.bulk_create(new[start : start + IMPORT_BATCH])
        if progress is not None:
            progress(min(start + IMPORT_BATCH, len(new)), total)
    changed: list[Member] = []
    fields: set[str] = set()
    for row in plan.rows:
        if row.action == importing.UPDATE and row.member is not None:
            for key, value in importing.applied(row).items():
                setattr(row.member, key, value)
                fields.add(key)
            row.member.version += 1
            changed.append(row.member)
    if changed:
        Member.objects.bulk_update(changed, sorted(fields | {"version"}), batch_size=IMPORT_BATCH)
    if progress is not None:
        progress(total, total)
    locked.status, locked.imported_at = MemberImport.Status.IMPORTED, timezone.now()
    locked.rows, locked.created, locked.updated = len(plan.rows), len(new), len(changed)
    locked.unchanged = plan.count(importing.UNCHANGED)
    locked.save(update_fields=["status", "imported_at", "rows", "created", "updated", "unchanged"])
    return locked


# --- A member's life in the Party (docs/member-import.md)

MEMBERSHIP_KINDS = frozenset(
    {
        LifeEvent.Kind.OFFICIAL,
        LifeEvent.Kind.TRANSFER,
        LifeEvent.Kind.TRANSFER_OUT,
        LifeEvent.Kind.DECEASED,
        LifeEvent.Kind.REMOVED,
    }
)
LEAVING = {
    LifeEvent.Kind.TRANSFER_OUT: Member.LeftReason.TRANSFERRED,
    LifeEvent.Kind.DECEASED: Member.LeftReason.DECEASED,
    LifeEvent.Kind.REMOVED: Member.LeftReason.REMOVED,
}


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter: 29/02 → 28/02)."""
    first = periods.add_months(day, months)
    last = (periods.add_months(first, 1) - dt.timedelta(days=1)).day
    return first.replace(day=min(day.day, last))


def probation_due(member: Member, months: int) -> dt.date | None:
    """The day a probationary member is due to become official: `months` after admission."""
    return None if member.admitted_on is None else months_after(member.admitted_on, months)


def months_before(day: dt.date, months: int) -> dt.date:
    return months_after(day, -months)


def _end_positions(member: Member, on: dt.date, *, cell_only: bool) -> int:
    """End the member's open positions the day before `on` (or on their first day, if they began that day)."""
    positions = Position.objects.filter(member=member).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
    if cell_only:
        positions = positions.filter(cell__isnull=False)
    ended = 0
    for position in positions.select_for_update():
        position.ended_on = max(position.started_on, on - dt.timedelta(days=1))
        position.save(update_fields=["ended_on"])
        ended += 1
    return ended


def _same_tree(member: Member, cell: Cell) -> bool:
    tree = committee_tree()
    return tree.root_of(member.cell.committee_id) == tree.root_of(cell.committee_id)


@records_who
@transaction.atomic
def record_life_event(
    member: Member,
    *,
    kind: str,
    on: dt.date,
    by: auth.User,
    version: int,
    resolution_number: str = "",
    resolution_date: dt.date | None = None,
    to_cell: Cell | None = None,
    note: str = "",
) -> LifeEvent:
    """Record one step of the member's life and apply it to the member; nothing is deleted.

    Refuses (ValidationError, nothing written) a step that does not fit the member as they are; a page that
    showed another version of the member is refused as out of date.
    """
    locked = lock_current(
        Member.objects,
        member.pk,
        version=version,
        refused=_("Not saved: the member's record changed after you opened the page. Please look again."),
    )
    if on > periods.today():
        raise ValidationError(_("The date cannot be in the future."))
    if locked.left_on is not None:
        raise ValidationError(_("The member has left: nothing more can be recorded."))
    if locked.admitted_on is not None and on < locked.admitted_on:
        raise ValidationError(_("The date is before the member was admitted."))
    event = LifeEvent(
        member=locked,
        kind=kind,
        on=on,
        resolution_number=resolution_number,
        resolution_date=resolution_date,
        note=note,
        recorded_by=by,
    )
    fields: list[str] = []
    if kind == LifeEvent.Kind.OFFICIAL:
        if locked.official_on is not None:
            raise ValidationError(_("The member is already an official member."))
        if not resolution_number or resolution_date is None:
            raise ValidationError(
                _("Write the number and the date of the resolution recognising the member.")
            )
        locked.official_on, fields = on, ["official_on"]
    elif kind == LifeEvent.Kind.EXEMPT_START:
        if locked.is_exempt(on):
            raise ValidationError(_("The member is already exempt from meetings."))
        locked.exempt_since, locked.exempt_until, fields = on, None, ["exempt_since", "exempt_until"]
    elif kind == LifeEvent.Kind.EXEMPT_END:
        if not locked.is_exempt(on) or locked.exempt_since is None or on <= locked.exempt_since:
            raise ValidationError(_("The member is not exempt from meetings on that day."))
        locked.exempt_until, fields = on, ["exempt_until"]
    elif kind == LifeEvent.Kind.TRANSFER:
        if to_cell is None or to_cell.pk == locked.cell_id or not to_cell.active:
            raise ValidationError(_("Choose the open cell the member moves to."))
        if (
            not _same_tree(locked, to_cell)
            and Position.objects.current(on).filter(member=locked, committee__isnull=False).exists()
        ):
            raise ValidationError(
                _(
                    "The member holds a position in the committee: end it before moving them to a cell of "
                    "another committee."
                )
            )
        _end_positions(locked, on, cell_only=True)  # while still in the old cell, as the trigger checks
        event.from_cell, event.to_cell = locked.cell, to_cell
        locked.cell, locked.cell_since, fields = to_cell, on, ["cell", "cell_since"]
    elif kind in LEAVING:
        _end_positions(locked, on, cell_only=False)
        locked.left_on, locked.left_reason = on, LEAVING[LifeEvent.Kind(kind)]
        fields = ["left_on", "left_reason"]
    else:
        raise ValidationError(_("Choose what to record."))
    locked.version += 1
    locked.save(update_fields=[*fields, "version"])
    event.save()
    return event
