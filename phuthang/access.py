"""Who may see and do what, derived from dated positions and this month's assignments (docs/access.md).

Sight is a filter (outside it a view answers 404): one function per record kind below, returning the Q
object that the record's `visible_to(user)` applies. Permission is a predicate (inside sight but not
allowed: 403): the organisation's here, the accountability cycle's in `reviews/permissions/`. Every rule is
declared with `@sees` or `@may` beside its code, in plain words per role; `manage.py access_map` prints
those words as the table in docs/access.md, and a test fails when the page and the code part.

The rules are computed once per request from the user's current positions (Vietnam time) and cached on
the user object. This module imports no app's views or forms and nothing of `reviews`: the sight rules
name fields (`cell__committee_id`), not models, and import `cells.models` only inside functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias, TypeVar, cast

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from phuthang import periods

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from cells.models import Committee, Member

    User: TypeAlias = AbstractBaseUser | AnonymousUser  # the one alias for "a request's user"

_CACHE_ATTR = "_phuthang_access"


# --- The declared map: what docs/access.md shows, kept beside each rule.

ROLES: dict[str, tuple[str, str]] = {  # role → (column of docs/access.md, who holds it)
    "staff": ("Office staff", "văn phòng Đảng ủy: a login marked staff; also works in the admin"),
    "leader": ("Leader", "Bí thư, Phó Bí thư or BTV of a committee, today: that committee and those below"),
    "inspector": (
        "UBKT",
        "chair or member of a committee's inspection committee, today: that committee and those below",
    ),
    "secretary": ("Cell secretary", "bí thư or phó bí thư of a cell, today"),
    "overseer": (
        "Overseer this month",
        "a committee member assigned to a cell for this month (Vietnam time)",
    ),
    "member": ("Member", "a party member with a login and none of the positions above"),
    "stranger": ("Stranger", "a login with no member behind it"),
}
NOTHING = "—"  # a role that sees none of the records of a kind


@dataclass(frozen=True)
class Rule:
    """One declared rule: a sight function (`action` empty) or a permission predicate."""

    record: str  # the record kind: a row of docs/access.md
    function: str  # module.name, where the rule lives
    roles: dict[str, str]  # role → what it sees, or on what it may act; a role left out may not
    action: str = ""
    model: str = ""  # a sight rule's model ("cells.Cell"): what the behaviour test filters


RULES: list[Rule] = []

Declared = TypeVar("Declared", bound=Callable[..., object])


def _declare(rule: Rule) -> None:
    if unknown := set(rule.roles) - set(ROLES):
        raise TypeError(f"{rule.function}: unknown roles {sorted(unknown)}")
    key = (rule.record, rule.function, rule.action)  # a module imported twice declares nothing twice
    RULES[:] = [r for r in RULES if (r.record, r.function, r.action) != key] + [rule]


def sees(record: str, *, model: str, **roles: str) -> Callable[[Declared], Declared]:
    """Declare a sight function: what each role (every one of ROLES, NOTHING for none) sees of `record`."""

    def declare(function: Declared) -> Declared:
        if missing := [role for role in ROLES if role not in roles]:
            raise TypeError(f"{function.__qualname__}: say what {', '.join(missing)} see")
        _declare(Rule(record, f"{function.__module__}.{function.__qualname__}", roles, model=model))
        return function

    return declare


def may(record: str, action: str, **roles: str) -> Callable[[Declared], Declared]:
    """Declare a permission predicate: the roles that may do `action` on `record`, and on which ones."""

    def declare(function: Declared) -> Declared:
        _declare(Rule(record, f"{function.__module__}.{function.__qualname__}", roles, action=action))
        return function

    return declare


# --- Who the user is: positions held today and cells overseen this month


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
    head_committee_ids: frozenset[int] = frozenset()  # committees whose Bí thư the user is, with descendants
    inspection_chair_committee_ids: frozenset[int] = frozenset()  # chair of these committees' UBKT, and below
    role_labels: tuple[str, ...] = field(default=())
    # the committees as read for this user (None for office staff without a member record)
    tree: CommitteeTree | None = field(default=None, compare=False, repr=False)

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


def for_user(user: User) -> Access:
    """The user's access, computed with at most four queries and cached on the user for the request."""
    if not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = _compute(cast("AbstractBaseUser", user))  # authenticated: never AnonymousUser
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user: User) -> None:
    """Drop the cached access (after a change of positions within one request, and in tests)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _compute(user: AbstractBaseUser) -> Access:
    from cells.models import (
        CELL_ROLES,
        INSPECTION_ROLES,
        LEADER_ROLES,
        Member,
        OversightAssignment,
        Position,
        Role,
    )

    is_staff = bool(getattr(user, "is_staff", False))
    member = Member.objects.filter(user_id=user.pk, left_on__isnull=True).select_related("cell").first()
    if member is None:
        return Access(is_staff=is_staff, role_labels=(_("Office staff"),) if is_staff else ())
    today = periods.today()
    positions = list(Position.objects.current(today).filter(member=member).order_by("role"))
    overseen = frozenset(
        OversightAssignment.objects.for_month(today).filter(overseer=member).values_list("cell_id", flat=True)
    )
    # the constraint position_unit_matches_role gives a committee role a committee, a cell role a cell
    led = {p.committee_id for p in positions if p.role in LEADER_ROLES and p.committee_id is not None}
    inspected = {
        p.committee_id for p in positions if p.role in INSPECTION_ROLES and p.committee_id is not None
    }
    tree = committee_tree()
    root = tree.root_of(member.cell.committee_id)
    labels = [p.get_role_display() for p in positions]
    if overseen:
        labels.append(_("Overseeing %(count)d cell(s) this month") % {"count": len(overseen)})
    if is_staff:
        labels.insert(0, _("Office staff"))
    if not labels:
        labels.append(_("Party member"))
    return Access(
        member_id=member.pk,
        member_name=member.full_name,
        member_cell_id=member.cell_id,
        is_staff=is_staff,
        leader_committee_ids=tree.with_descendants(led),
        inspection_committee_ids=tree.with_descendants(inspected),
        secretary_cell_ids=frozenset(
            p.cell_id for p in positions if p.role in CELL_ROLES and p.cell_id is not None
        ),
        overseer_cell_ids=overseen,
        tree_committee_ids=tree.with_descendants({root}),
        head_committee_ids=tree.with_descendants(
            {p.committee_id for p in positions if p.role == Role.SECRETARY and p.committee_id is not None}
        ),
        inspection_chair_committee_ids=tree.with_descendants(
            {
                p.committee_id
                for p in positions
                if p.role == Role.INSPECTION_CHAIR and p.committee_id is not None
            }
        ),
        role_labels=tuple(labels),
        tree=tree,
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

    def up(self, committee_id: int) -> list[int]:
        """The committee and those above it, up to its root."""
        chain: list[int] = []
        current: int | None = committee_id
        while current is not None and current not in chain:
            chain.append(current)
            current = self.parent_of.get(current)
        return chain

    def common_root(self, ids: Iterable[int]) -> int | None:
        """The lowest committee at or above every one of these (None for none, or for separate trees)."""
        chains = [self.up(pk) for pk in ids]
        if not chains:
            return None
        shared = set(chains[0]).intersection(*map(set, chains[1:]))
        return next((pk for pk in chains[0] if pk in shared), None)

    def child_towards(self, top: int, committee_id: int) -> int | None:
        """The committee directly under `top` that `committee_id` is in (itself, or above it); None when
        `committee_id` is `top` or not under it."""
        chain = self.up(committee_id)
        at = chain.index(top) if top in chain else 0
        return chain[at - 1] if at else None

    def with_descendants(self, ids: set[int]) -> frozenset[int]:
        children: dict[int, list[int]] = {}
        for child, parent in self.parent_of.items():
            if parent is not None:
                children.setdefault(parent, []).append(child)
        found: set[int] = set()
        stack = list(ids)
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(children.get(current, ()))
        return frozenset(found)


def committee_tree() -> CommitteeTree:
    from cells.models import Committee

    return CommitteeTree(dict(Committee.objects.values_list("pk", "parent_id")))


# --- Sight: the Q object each record's visible_to(user) applies. Nothing matches Q(pk__in=[]), and an
# empty __in list costs no query. Office staff see everything (Q()).


def _followed(a: Access, via: str = "cell", *, this_month: bool = True) -> Q:
    """The cells a user follows: committee-wide (leaders, UBKT), their own as secretary, and (this_month)
    those they oversee this month. `via` is the path from the record to its cell ("" for a cell itself).
    """
    committee, cell = (f"{via}__committee_id", f"{via}_id") if via else ("committee_id", "pk")
    cells = a.secretary_cell_ids | a.overseer_cell_ids if this_month else a.secretary_cell_ids
    return Q(**{f"{committee}__in": a.committee_wide_ids}) | Q(**{f"{cell}__in": cells})


def _overseen(a: Access, cell: str, month: str | None = None) -> Q:
    """Assigned to the user as overseer of the record's cell in the record's month (`month`, the outer
    field), or in any month when `month` is None."""
    from cells.models import OversightAssignment

    if a.member_id is None:
        return Q(pk__in=[])
    assigned = OversightAssignment.objects.filter(overseer_id=a.member_id, cell_id=OuterRef(cell))
    return Q(Exists(assigned if month is None else assigned.filter(month=OuterRef(month))))


@sees(
    "Cells",
    model="cells.Cell",
    staff="every cell",
    leader="every cell of the committees they lead, and of those below",
    inspector="every cell of their committee",
    secretary="their own cell",
    overseer="the cells assigned to them this month",
    member=NOTHING,
    stranger=NOTHING,
)
def cells(user: User) -> Q:
    a = for_user(user)
    return Q() if a.is_staff else _followed(a, via="")


@sees(
    "Members",
    model="cells.Member",
    staff="every member",
    leader="the members of every cell in sight",
    inspector="the members of every cell in sight",
    secretary="the members of their cell",
    overseer="the members of the cells assigned this month",
    member="their own record",
    stranger=NOTHING,
)
def members(user: User) -> Q:
    a = for_user(user)
    return Q() if a.is_staff else _followed(a) | Q(pk=a.member_id)


@sees(
    "Oversight assignments",
    model="cells.OversightAssignment",
    staff="every assignment",
    leader="every assignment of their committee tree",
    inspector="every assignment of their committee tree",
    secretary="every assignment of their committee tree",
    overseer="every assignment of their committee tree",
    member="every assignment of their committee tree",
    stranger=NOTHING,
)
def assignments(user: User) -> Q:
    """Everyone sees who oversees which cell in their own committee tree."""
    a = for_user(user)
    return Q() if a.is_staff else Q(cell__committee_id__in=a.tree_committee_ids)


assignment_filter = assignments  # the name tests/cells/test_access.py calls


@sees(
    "Meetings (minutes, attendance, tasks)",
    model="reviews.Meeting",
    staff="every meeting",
    leader="the meetings of every cell of their committees",
    inspector="the meetings of every cell of their committee",
    secretary="the meetings of their cell",
    overseer="the meetings of a cell in the months they were assigned to it (not only this month)",
    member=NOTHING + " (their own attendance only, on their attendance page)",
    stranger=NOTHING,
)
def meetings(user: User) -> Q:
    a = for_user(user)
    if a.is_staff:
        return Q()
    return _followed(a, this_month=False) | _overseen(a, "cell_id", month="month")


@sees(
    "Finalised minutes of one's own cell (resolution and tasks, on the member's home)",
    model="reviews.Meeting",
    staff="every meeting",
    leader="the meetings they see in full",
    inspector="the meetings they see in full",
    secretary="the meetings they see in full",
    overseer="the meetings they see in full",
    member="the finalised minutes of their own cell",
    stranger=NOTHING,
)
def finalised_minutes(user: User) -> Q:
    """What a member reads of their cell's meetings: the record once finalised, never a draft."""
    a = for_user(user)
    if a.is_staff:
        return Q()
    own = Q(cell_id=a.member_cell_id, status="finalised") if a.member_cell_id else Q(pk__in=[])
    return meetings(user) | own


@sees(
    "Meeting years (a cell's meetings page)",
    model="cells.Cell",
    staff="every cell",
    leader="every cell of their committees",
    inspector="every cell of their committee",
    secretary="their own cell",
    overseer="every cell they were ever assigned to, in any month",
    member=NOTHING,
    stranger=NOTHING,
)
def meeting_year_cells(user: User) -> Q:
    """Cells whose meeting year the user may open: own, committee-wide, or overseen in ANY month."""
    a = for_user(user)
    if a.is_staff:
        return Q()
    return _followed(a, via="", this_month=False) | _overseen(a, "pk")


@sees(
    "Reviews",
    model="reviews.Review",
    staff="every review",
    leader="the reviews of every cell of their committees",
    inspector="the reviews of every cell of their committee",
    secretary="the reviews of their cell (members' and the collective's)",
    overseer="the reviews of the cells assigned this month",
    member="their own reviews",
    stranger=NOTHING,
)
def reviews(user: User) -> Q:
    a = for_user(user)
    if a.is_staff:
        return Q()
    return _followed(a) | Q(member_id=a.member_id, member_id__isnull=False)


@sees(
    "Review round progress (counts per cell)",
    model="reviews.RoundCellCount",
    staff="every cell's counts",
    leader="the counts of every cell of their committees",
    inspector="the counts of every cell of their committee",
    secretary="their cell's counts",
    overseer="the counts of the cells assigned this month",
    member=NOTHING + " (their own review is not enough)",
    stranger=NOTHING,
)
def round_cell_counts(user: User) -> Q:
    """The counts of the cells whose reviews the user sees in full."""
    a = for_user(user)
    return Q() if a.is_staff else _followed(a)


@sees(
    "Shortcoming counts (per cell, year and status)",
    model="reviews.ShortcomingCount",
    staff="every cell's counts",
    leader="the counts of every cell of their committees",
    inspector="the counts of every cell of their committee",
    secretary="their cell's counts",
    overseer="the counts of the cells assigned this month",
    member=NOTHING + " (their own shortcomings are counted from the rows)",
    stranger=NOTHING,
)
def shortcoming_counts(user: User) -> Q:
    """The counts of the cells whose shortcomings the user sees in full (the board's counts)."""
    a = for_user(user)
    return Q() if a.is_staff else _followed(a)


@sees(
    "Shortcoming counts (per committee, year, status and due date)",
    model="reviews.ShortcomingCommitteeCount",
    staff="every committee's counts",
    leader="the counts of their committees",
    inspector="the counts of their committee",
    secretary=NOTHING + " (their cell's shortcomings are counted from the rows)",
    overseer=NOTHING + " (their cells' shortcomings are counted from the rows)",
    member=NOTHING + " (their own shortcomings are counted from the rows)",
    stranger=NOTHING,
)
def shortcoming_committee_counts(user: User) -> Q:
    """The counts of the committees whose every cell's shortcomings the user sees (the board's counts)."""
    a = for_user(user)
    return Q() if a.is_staff else Q(committee_id__in=a.committee_wide_ids)


def beyond_committee_counts(user: User) -> Q:
    """The shortcomings in the user's sight that `shortcoming_committee_counts` does not count: of a cell
    they follow in another committee (as its secretary, its overseer), and their own elsewhere."""
    a = for_user(user)
    return Q(pk__in=[]) if a.is_staff else ~Q(cell__committee_id__in=a.committee_wide_ids)


@sees(
    "Monthly counts of cells (dashboards)",
    model="reviews.CellMonth",
    staff="every cell's counts",
    leader="the counts of every cell of their committees",
    inspector="the counts of every cell of their committee",
    secretary="their cell's counts",
    overseer="the counts of a cell in the months they were assigned to it",
    member=NOTHING,
    stranger=NOTHING,
)
def cell_months(user: User) -> Q:
    """The same cells and months as the meetings the counts are made of."""
    a = for_user(user)
    if a.is_staff:
        return Q()
    return _followed(a, this_month=False) | _overseen(a, "cell_id", month="month")


@sees(
    "Shortcomings and remediation",
    model="reviews.Shortcoming",
    staff="every shortcoming",
    leader="the shortcomings of every cell of their committees",
    inspector="the shortcomings of every cell of their committee",
    secretary="the shortcomings of their cell",
    overseer="the shortcomings of the cells assigned this month",
    member="the shortcomings they are the subject or the owner of",
    stranger=NOTHING,
)
def shortcomings(user: User) -> Q:
    a = for_user(user)
    if a.is_staff:
        return Q()
    own = Q(subject_member_id=a.member_id) | Q(owner_id=a.member_id) if a.member_id else Q(pk__in=[])
    return _followed(a) | own


@sees(
    "Pledge campaigns (the common text, the due date)",
    model="reviews.PledgeCampaign",
    staff="every campaign",
    leader="the campaigns of their committee tree",
    inspector="the campaigns of their committee tree",
    secretary="the campaigns of their committee tree",
    overseer="the campaigns of their committee tree",
    member="the campaigns of their committee tree",
    stranger=NOTHING,
)
def pledge_campaigns(user: User) -> Q:
    """Everyone reads the text they are asked to sign; who signed is the pledges' rule below."""
    a = for_user(user)
    return Q() if a.is_staff else Q(committee_id__in=a.tree_committee_ids)


@sees(
    "Pledges (signed commitments)",
    model="reviews.Pledge",
    staff="every pledge",
    leader="the pledges of every cell of their committees",
    inspector="the pledges of every cell of their committee",
    secretary="the pledges of their cell",
    overseer="the pledges of the cells assigned this month",
    member="their own pledges",
    stranger=NOTHING,
)
def pledges(user: User) -> Q:
    a = for_user(user)
    if a.is_staff:
        return Q()
    own = Q(member_id=a.member_id) if a.member_id else Q(pk__in=[])
    return _followed(a, via="member__cell") | own


@sees(
    "Personal action plans",
    model="reviews.ActionPlan",
    staff="every plan",
    leader="the plans of their committees' leaders and cell secretaries",
    inspector="the plans of their committee's leaders and cell secretaries",
    secretary="their own; their cell's leaders' and the committee leadership's",
    overseer="their own; the committee leadership's",
    member="their cell's leaders' and the committee leadership's",
    stranger=NOTHING,
)
def action_plans(user: User) -> Q:
    """A plan is read by the members of the unit its author leads, by UBKT and by the leaders."""
    a = for_user(user)
    if a.is_staff:
        return Q()
    if a.member_id is None:
        return Q(pk__in=[])
    unit = Q(cell_id=a.member_cell_id) | Q(cell__isnull=True, committee_id__in=a.tree_committee_ids)
    return Q(committee_id__in=a.committee_wide_ids) | unit | Q(member_id=a.member_id)


@sees(
    "Reminder emails (digests)",
    model="reviews.Digest",
    staff="every email",
    leader="the emails sent to members of their committees",
    inspector=NOTHING,
    secretary=NOTHING,
    overseer=NOTHING,
    member=NOTHING + " (their own reminders are in their inbox)",
    stranger=NOTHING,
)
def digests(user: User) -> Q:
    a = for_user(user)
    return Q() if a.is_staff else Q(recipient__cell__committee_id__in=a.leader_committee_ids)


@sees(
    "Background jobs (a round started, an export, an import)",
    model="phuthang.Job",
    staff="every job",
    leader="the jobs they started and those of their committees",
    inspector="the jobs they started",
    secretary="the jobs they started",
    overseer="the jobs they started",
    member="the jobs they started",
    stranger="the jobs they started",
)
def jobs(user: User) -> Q:
    a = for_user(user)
    if a.is_staff:
        return Q()
    return Q(started_by_id=user.pk) | Q(committee_id__in=a.leader_committee_ids)


@sees(
    "Citizens' feedback (phản ánh, kiến nghị, khiếu nại, tố cáo)",
    model="reviews.FeedbackItem",
    staff="every item; who denounced only on the items they are the handler of",
    leader="the items of their committees; who denounced only as Bí thư or as the handler",
    inspector="the items of their committee; who denounced only as UBKT chair or as the handler",
    secretary="the items about their cell or its members once concluded, or given to the cell to handle; "
    "never who denounced unless they are the handler",
    overseer=NOTHING + " (but an item they are the handler of)",
    member=NOTHING + " (but an item they are the handler of; and, whatever their role, never an item about "
    "themself before its conclusion)",
    stranger=NOTHING,
)
def feedback(user: User) -> Q:
    """The register; an item about the user is out of sight until it is concluded, for every role."""
    a = for_user(user)
    if a.is_staff:
        sight = Q()
    else:
        cells = a.secretary_cell_ids
        about_cell = Q(concerned_cell_id__in=cells) | Q(concerned_member__cell_id__in=cells)
        sight = Q(committee_id__in=a.committee_wide_ids) | (
            about_cell & (Q(status="concluded") | Q(jurisdiction="cell"))
        )
        if (pk := getattr(user, "pk", None)) is not None:
            sight |= Q(handler_id=pk)
    if a.member_id is not None:
        sight &= ~Q(concerned_member_id=a.member_id) | Q(status="concluded")
    return sight


@may(
    "Citizens' feedback (phản ánh, kiến nghị, khiếu nại, tố cáo)",
    "see who denounced (name, address, contact): the committee's head, its UBKT chair, the handler",
    leader="as Bí thư of the item's committee (a UBKT chair, too, of their committee's items)",
    member="as the item's handler (whatever their role; office staff too)",
)
def sees_sender(user: User, item: object) -> bool:
    """Who denounced: the handler, the UBKT chair and the committee's head. Other kinds: whoever sees it."""
    if getattr(item, "kind", None) != "denunciation":
        return True
    a = for_user(user)
    committee_id = getattr(item, "committee_id", None)
    return (
        getattr(item, "handler_id", None) == getattr(user, "pk", -1)
        or committee_id in a.head_committee_ids
        or committee_id in a.inspection_chair_committee_ids
    )


@sees(
    "Citizen reception sessions and dialogues",
    model="reviews.ReceptionSession",
    staff="every session",
    leader="the sessions of their committees",
    inspector="the sessions of their committee",
    secretary=NOTHING,
    overseer=NOTHING,
    member=NOTHING,
    stranger=NOTHING,
)
def reception_sessions(user: User) -> Q:
    a = for_user(user)
    return Q() if a.is_staff else Q(committee_id__in=a.committee_wide_ids)


def sender_shown(user: User) -> Q:
    """`sees_sender` as a filter: the items whose sender this user may read (a search by sender's name
    looks only among them, so that it never tells who denounced)."""
    a = for_user(user)
    shown = ~Q(kind="denunciation") | Q(
        committee_id__in=a.head_committee_ids | a.inspection_chair_committee_ids
    )
    if (pk := getattr(user, "pk", None)) is not None:
        shown |= Q(handler_id=pk)
    return shown


# --- Permissions on the organisation: predicates on objects already in sight.


@may(
    "Oversight assignments",
    "assign a month's overseers, searching the committee's candidates",
    staff="any committee",
    leader="their committees",
)
def can_assign_oversight(user: User, committee: Committee) -> bool:
    a = for_user(user)
    return a.is_staff or committee.pk in a.leader_committee_ids


@may(
    "Members", "edit contact details and exemption", staff="any member", secretary="the members of their cell"
)
def can_edit_member(user: User, member: Member) -> bool:
    """Contact details and exemption: the member's cell secretary, or office staff."""
    a = for_user(user)
    return a.is_staff or member.cell_id in a.secretary_cell_ids


@sees(
    "Member imports",
    model="cells.MemberImport",
    staff="every import",
    leader=NOTHING,
    inspector=NOTHING,
    secretary="the imports made for their cell",
    overseer=NOTHING,
    member=NOTHING,
    stranger=NOTHING,
)
def member_imports(user: User) -> Q:
    a = for_user(user)
    return Q() if a.is_staff else Q(cell_id__in=a.secretary_cell_ids)


@may(
    "Member imports",
    "upload a member list and import it",
    staff="for any committee",
    secretary="for their own cell only",
)
def can_import_members(user: User) -> bool:
    a = for_user(user)
    return a.is_staff or a.is_secretary


@sees(
    "Membership events (a member's timeline)",
    model="cells.LifeEvent",
    staff="every event",
    leader="the events of the members of every cell in sight",
    inspector="the events of the members of every cell in sight",
    secretary="the events of the members of their cell",
    overseer="the events of the members of the cells assigned this month",
    member="their own",
    stranger=NOTHING,
)
def life_events(user: User) -> Q:
    a = for_user(user)
    return Q() if a.is_staff else _followed(a, via="member__cell") | Q(member_id=a.member_id)


@may(
    "Members",
    "record recognition as official, a transfer or a departure",
    staff="any member",
)
def can_record_membership(user: User, member: Member) -> bool:
    """Decisions of the committee above the cell: the office records them."""
    return for_user(user).is_staff
