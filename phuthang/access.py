"""Who may see and do what (DESIGN.md §5), derived from dated positions and this month's assignments.

Sight is a filter (outside it a view answers 404); permission is a predicate (inside sight but not
allowed: 403). Every view goes through these. The rules are computed once per request from the
user's current positions (Vietnam time) and cached on the user object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext as _

from phuthang import periods

if TYPE_CHECKING:
    from cells.models import Cell, Committee, Member

_CACHE_ATTR = "_phuthang_access"


@dataclass(frozen=True)
class Access:
    member_id: int | None = None
    member_name: str = ""
    member_cell_id: int | None = None
    is_staff: bool = False
    leader_committee_ids: frozenset[int] = frozenset()  # committees led, with all their descendants
    inspection_committee_ids: frozenset[int] = frozenset()  # UBKT of these, with descendants
    secretary_cell_ids: frozenset[int] = frozenset()  # cells where the user is (deputy) secretary
    overseer_cell_ids: frozenset[int] = frozenset()  # cells assigned to the user this month
    tree_committee_ids: frozenset[int] = frozenset()  # every committee of the user's own tree
    role_labels: tuple[str, ...] = field(default=())

    @property
    def committee_wide_ids(self) -> frozenset[int]:
        return self.leader_committee_ids | self.inspection_committee_ids

    @property
    def is_leader(self) -> bool:
        return self.is_staff or bool(self.leader_committee_ids)

    @property
    def is_inspector(self) -> bool:
        return bool(self.inspection_committee_ids)

    @property
    def is_secretary(self) -> bool:
        return bool(self.secretary_cell_ids)

    @property
    def is_overseer(self) -> bool:
        return bool(self.overseer_cell_ids)

    @property
    def sees_committee(self) -> bool:
        return self.is_staff or bool(self.committee_wide_ids)


ANONYMOUS = Access()


def for_user(user: Any) -> Access:
    """The user's access, computed with at most four queries and cached on the user for the request."""
    if not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = _compute(user)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user: Any) -> None:
    """Drop the cached access (after a change of positions within one request, and in tests)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _compute(user: Any) -> Access:
    from cells.models import CELL_ROLES, INSPECTION_ROLES, LEADER_ROLES, Member, OversightAssignment, Position

    member = Member.objects.filter(user=user, left_on__isnull=True).select_related("cell").first()
    if member is None:
        return Access(is_staff=user.is_staff, role_labels=(_("Office staff"),) if user.is_staff else ())
    today = periods.today()
    positions = list(Position.objects.current(today).filter(member=member).order_by("role"))
    overseen = frozenset(
        OversightAssignment.objects.for_month(today).filter(overseer=member).values_list("cell_id", flat=True)
    )
    led = {p.committee_id for p in positions if p.role in LEADER_ROLES}
    inspected = {p.committee_id for p in positions if p.role in INSPECTION_ROLES}
    tree = committee_tree()
    root = tree.root_of(member.cell.committee_id)
    labels = [p.get_role_display() for p in positions]
    if overseen:
        labels.append(_("Overseeing %(count)d cell(s) this month") % {"count": len(overseen)})
    if user.is_staff:
        labels.insert(0, _("Office staff"))
    if not labels:
        labels.append(_("Party member"))
    return Access(
        member_id=member.pk,
        member_name=member.full_name,
        member_cell_id=member.cell_id,
        is_staff=user.is_staff,
        leader_committee_ids=tree.with_descendants(led),
        inspection_committee_ids=tree.with_descendants(inspected),
        secretary_cell_ids=frozenset(p.cell_id for p in positions if p.role in CELL_ROLES),
        overseer_cell_ids=overseen,
        tree_committee_ids=tree.with_descendants({root}),
        role_labels=tuple(labels),
    )


@dataclass(frozen=True)
class CommitteeTree:
    parent_of: dict[int, int | None]

    def root_of(self, committee_id: int) -> int:
        seen = set()
        while (parent := self.parent_of.get(committee_id)) is not None and committee_id not in seen:
            seen.add(committee_id)
            committee_id = parent
        return committee_id

    def with_descendants(self, ids: set[int]) -> frozenset[int]:
        children: dict[int, list[int]] = {}
        for child, parent in self.parent_of.items():
            if parent is not None:
                children.setdefault(parent, []).append(child)
        found, stack = set(), list(ids)
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(children.get(current, ()))
        return frozenset(found)


def committee_tree() -> CommitteeTree:
    from cells.models import Committee

    return CommitteeTree(dict(Committee.objects.values_list("pk", "parent_id")))


# --- Sight: Q objects for the querysets' visible_to(user). Nothing matches Q(pk__in=[]).


def cell_filter(user: Any) -> Q:
    a = for_user(user)
    if a.is_staff:
        return Q()
    return Q(committee_id__in=a.committee_wide_ids) | Q(pk__in=a.secretary_cell_ids | a.overseer_cell_ids)


def member_filter(user: Any) -> Q:
    a = for_user(user)
    if a.is_staff:
        return Q()
    return (
        Q(cell__committee_id__in=a.committee_wide_ids)
        | Q(cell_id__in=a.secretary_cell_ids | a.overseer_cell_ids)
        | Q(pk=a.member_id)
    )


def assignment_filter(user: Any) -> Q:
    """Everyone sees who oversees which cell in their own committee tree."""
    a = for_user(user)
    if a.is_staff:
        return Q()
    return Q(cell__committee_id__in=a.tree_committee_ids)


# --- Permissions: predicates on objects already in sight.


def can_assign_oversight(user: Any, committee: Committee) -> bool:
    a = for_user(user)
    return a.is_staff or committee.pk in a.leader_committee_ids


def can_edit_member(user: Any, member: Member) -> bool:
    """Contact details and exemption: the member's cell secretary, or office staff."""
    a = for_user(user)
    return a.is_staff or member.cell_id in a.secretary_cell_ids


def is_secretary_of(user: Any, cell: Cell) -> bool:
    return cell.pk in for_user(user).secretary_cell_ids


def oversees(user: Any, cell: Cell) -> bool:
    return cell.pk in for_user(user).overseer_cell_ids
