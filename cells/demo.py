"""The demo ward: Đảng bộ phường Phúc Thắng with its cells, members, positions and oversight.

Everything is drawn from one `random.Random(seed)`, so two builds on the same day are identical; the
only clock it reads is today's date in Vietnam time, from which ages, terms and months are counted.
Rows go in with `bulk_create`, so `scale=240` (≈100,000 members) takes a minute or so, not hours.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from cells.models import CELL_ROLES, Cell, Committee, Member, OversightAssignment, Position, Role
from phuthang import periods

if TYPE_CHECKING:
    from django.contrib.auth import models as auth

DEMO_PASSWORD = "demo-phucthang"
DEFAULT_SEED = 1975
BATCH_SIZE = 5000
CELLS_PER_BLOCK = 22  # one block is the real ward; --scale repeats it
MEMBERS_PER_BLOCK = 424  # current members (not counting those who left)
SCHOOL_CELL, AGENCY_CELL = 21, 22  # numbers within the first block; every other cell is residential
MALE_SHARE: dict[str, float] = {Cell.Kind.SCHOOL: 0.3, Cell.Kind.AGENCY: 0.55}  # of a cell kind's members

# Where the committee's people live: (username, cell number in the first block).
LEADERS = [("bithu", AGENCY_CELL), ("phobithu", 5), ("ubkt", AGENCY_CELL), ("ubkt2", SCHOOL_CELL)]
STAFF = ("vanphong", AGENCY_CELL)
MEMBER = ("dangvien", 1)
STANDING_HOMES = [AGENCY_CELL, 12]  # the two other BTV members, without a login
OVERSEERS_PER_BLOCK = 11  # each oversees two cells of the block this month

# Surnames weighted roughly as in the north of Vietnam; middle and given names by gender.
FAMILY_NAMES = {
    "Nguyễn": 36, "Trần": 11, "Lê": 9, "Phạm": 7, "Hoàng": 5, "Vũ": 4, "Phan": 3, "Đỗ": 3, "Bùi": 3,
    "Đặng": 3, "Ngô": 2, "Dương": 2, "Đào": 2, "Đinh": 2, "Hà": 1, "Lương": 1, "Tạ": 1, "Trịnh": 1,
    "Cao": 1, "Lưu": 1, "Khổng": 1, "Kiều": 1, "Tô": 1, "Chu": 1,
}  # fmt: skip
MIDDLE_NAMES = {
    Member.Gender.MALE: {"Văn": 40, "Đức": 10, "Minh": 8, "Quang": 7, "Hữu": 6, "Xuân": 6, "Mạnh": 4,
                         "Ngọc": 4, "Tiến": 4, "Thanh": 4, "Công": 4, "Duy": 3},
    Member.Gender.FEMALE: {"Thị": 55, "Thu": 7, "Thanh": 7, "Ngọc": 6, "Minh": 5, "Phương": 4, "Hồng": 5,
                           "Thúy": 4, "Kim": 4, "Hải": 3},
}  # fmt: skip
GIVEN_NAMES = {
    Member.Gender.MALE: [
        "Hùng", "Dũng", "Tuấn", "Hải", "Long", "Nam", "Sơn", "Thắng", "Minh", "Cường", "Hưng", "Trung",
        "Quân", "Bình", "Toàn", "Hòa", "Phong", "Thành", "Đức", "Hiếu", "Khoa", "Lâm", "Tâm", "Tùng",
        "Vinh", "Việt", "Huy", "Anh", "Tú", "Kiên", "Lợi", "Thịnh", "Nghĩa", "Phúc", "Tiến", "Chiến",
        "Đạt", "Khánh", "Quý", "Thái", "Hoàn", "Luận", "Bảo", "Định", "Giang", "Hậu", "Mạnh", "Ninh",
    ],
    Member.Gender.FEMALE: [
        "Lan", "Hương", "Hoa", "Mai", "Hằng", "Hạnh", "Thủy", "Nga", "Nhung", "Huyền", "Linh", "Trang",
        "Thảo", "Yến", "Oanh", "Loan", "Phương", "Dung", "Hà", "Hiền", "Liên", "Ngọc", "Tuyết", "Vân",
        "Xuân", "Thu", "Bích", "Duyên", "Giang", "Huệ", "Quyên", "Thơ", "Chi", "Lụa", "Tâm", "Hồng",
    ],
}  # fmt: skip
PHONE_PREFIXES = ["086", "096", "097", "098", "032", "033", "035", "036", "038", "039", "088", "091",
                  "094", "083", "084", "085", "090", "093", "070", "077", "079"]  # fmt: skip


@dataclass
class Ward:
    """What `build_ward` made, for the command's summary and for `reviews.demo.build_cycle`."""

    seed: int
    today: dt.date
    month: dt.date  # this month, first day (Vietnam time)
    committee: Committee
    cells: list[Cell]
    members: list[Member]  # every member, including those who left
    users: dict[str, auth.User]  # demo username → User
    account_members: dict[str, Member]  # demo username → the member behind the login
    secretaries: dict[int, Member]  # cell pk → cell secretary
    deputies: dict[int, Member]  # cell pk → cell deputy secretary
    overseers: dict[int, Member]  # cell pk → this month's overseer
    positions: list[Position] = field(default_factory=list)
    assignments: list[OversightAssignment] = field(default_factory=list)
    _by_cell: dict[int, list[Member]] = field(default_factory=dict, repr=False)

    def members_of(self, cell: Cell) -> list[Member]:
        """The cell's members, including those who left; indexed on first use (scale 240: 5,280 cells)."""
        if not self._by_cell:
            for member in self.members:
                self._by_cell.setdefault(member.cell_id, []).append(member)
        return self._by_cell.get(cell.pk, [])


@dataclass
class _Person:
    """A member about to be created, with what the later steps need to know about them."""

    member: Member
    username: str = ""
    roles: list[str] = field(default_factory=list)


def build_ward(*, scale: int = 1, seed: int = DEFAULT_SEED) -> Ward:
    """Create the demo ward (scale × 22 cells, scale × 424+ members) in an empty database."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    rng = random.Random(seed)
    today = periods.today()
    month = periods.month_start(today)
    people = _People(rng, today)

    committee = Committee.objects.create(
        name="Đảng bộ phường Phúc Thắng", code="PT", kind=Committee.Kind.WARD
    )
    cells = Cell.objects.bulk_create(_cells(committee, scale, rng), batch_size=BATCH_SIZE)
    by_number = dict(enumerate(cells, start=1))

    # The people with a job first, each placed in a cell; then everyone else fills the cells up.
    staff = _named(people, by_number, *STAFF, cadre=True)
    leaders = {name: _named(people, by_number, name, home, cadre=True) for name, home in LEADERS}
    leaders["bithu"].roles = [Role.SECRETARY]
    leaders["phobithu"].roles = [Role.DEPUTY_SECRETARY]
    leaders["ubkt"].roles = [Role.INSPECTION_CHAIR, Role.COMMITTEE_MEMBER]
    leaders["ubkt2"].roles = [Role.INSPECTION_MEMBER]
    standing = [people.make(by_number[home], cadre=True) for home in STANDING_HOMES]
    for person in standing:
        person.roles = [Role.STANDING]
    overseers, this_month, last_month = _overseers(people, by_number, scale)
    cell_people: dict[int, list[_Person]] = {n: [] for n in by_number}
    secretaries: dict[int, _Person] = {}
    deputies: dict[int, _Person] = {}
    for number, cell in by_number.items():
        username = f"chibo{number:02d}" if number <= CELLS_PER_BLOCK else ""
        secretaries[number] = _named(people, by_number, username, number, cadre=True, elder=True)
        secretaries[number].roles = [Role.CELL_SECRETARY]
        deputies[number] = people.make(cell, cadre=True)
        deputies[number].roles = [Role.CELL_DEPUTY]
    member = _named(people, by_number, *MEMBER, cadre=True)

    number_of = {cell.pk: number for number, cell in by_number.items()}
    named = [staff, *leaders.values(), *standing, *overseers, *secretaries.values(), *deputies.values()]
    for person in [*named, member]:
        cell_people[number_of[person.member.cell.pk]].append(person)
    for number, size in _cell_sizes(by_number, scale, rng).items():
        while len(cell_people[number]) < size:
            cell_people[number].append(people.make(by_number[number]))
    for _ in range(6 * scale):  # a few who left in the last year: moved away, or died
        number = rng.randint(1, len(cells))
        cell_people[number].append(people.make(by_number[number], left=True))

    everyone = [p for number in sorted(cell_people) for p in cell_people[number]]
    accounts = [p for p in everyone if p.username]
    users = _create_users(accounts, staff)
    Member.objects.bulk_create([p.member for p in everyone], batch_size=BATCH_SIZE)

    term_start = periods.add_months(month, -30)  # well before the year of meetings the demo may hold
    positions = [
        Position(
            member=p.member,
            role=role,
            committee=None if role in CELL_ROLES else committee,
            cell=p.member.cell if role in CELL_ROLES else None,
            started_on=max(term_start, p.member.official_on or term_start),
        )
        for p in everyone
        for role in p.roles
    ]
    Position.objects.bulk_create(positions, batch_size=BATCH_SIZE)

    assigned_by = users["bithu"]
    assignments = [
        OversightAssignment(overseer=p.member, cell=by_number[n], month=when, assigned_by=assigned_by)
        for when, plan in ((periods.add_months(month, -1), last_month), (month, this_month))
        for n, p in sorted(plan.items())
    ]
    OversightAssignment.objects.bulk_create(assignments, batch_size=BATCH_SIZE)

    return Ward(
        seed=seed,
        today=today,
        month=month,
        committee=committee,
        cells=cells,
        members=[p.member for p in everyone],
        users=users,
        account_members={p.username: p.member for p in accounts},
        secretaries={by_number[n].pk: p.member for n, p in secretaries.items()},
        deputies={by_number[n].pk: p.member for n, p in deputies.items()},
        overseers={by_number[n].pk: p.member for n, p in this_month.items()},
        positions=positions,
        assignments=assignments,
    )


def _overseers(
    people: _People, by_number: dict[int, Cell], scale: int
) -> tuple[list[_Person], dict[int, _Person], dict[int, _Person]]:
    """Eleven committee members per block of 22 cells, each overseeing two cells this month and
    another two last month. Returns them, and this and last month's plans (cell number → overseer)."""
    overseers: list[_Person] = []
    this_month: dict[int, _Person] = {}
    last_month: dict[int, _Person] = {}
    for block in range(scale):
        base = block * CELLS_PER_BLOCK
        for k in range(1, OVERSEERS_PER_BLOCK + 1):
            home = base + (2 * k + 4) % 20 + 1  # a residential cell they oversee in neither month
            username = f"uyvien{k:02d}" if block == 0 else ""
            person = _named(people, by_number, username, home, cadre=True)
            person.roles = [Role.COMMITTEE_MEMBER]
            overseers.append(person)
            this_month[base + 2 * k - 1] = this_month[base + 2 * k] = person
            # Last month each overseer had the pair of cells their neighbour has now.
            last_month[base + (2 * k) % CELLS_PER_BLOCK + 1] = person
            last_month[base + (2 * k + 1) % CELLS_PER_BLOCK + 1] = person
    return overseers, this_month, last_month


def _cells(committee: Committee, scale: int, rng: random.Random) -> list[Cell]:
    count = CELLS_PER_BLOCK * scale
    width = max(2, len(str(count)))
    cells = []
    residential = 0
    for number in range(1, count + 1):
        if number == SCHOOL_CELL:
            name, kind, day = "Chi bộ Trường THCS Phúc Thắng", Cell.Kind.SCHOOL, 25
        elif number == AGENCY_CELL:
            name, kind, day = "Chi bộ Cơ quan phường", Cell.Kind.AGENCY, 28
        else:
            residential += 1
            name, kind = f"Chi bộ Tổ dân phố số {residential}", Cell.Kind.RESIDENTIAL
            day = rng.choice([3, 5, 5, 7, 8, 10, 10, 12, 15])
        cells.append(
            Cell(name=name, code=f"PT-{number:0{width}d}", committee=committee, kind=kind, meeting_day=day)
        )
    return cells


def _cell_sizes(by_number: dict[int, Cell], scale: int, rng: random.Random) -> dict[int, int]:
    """Current members per cell: 14–22 in a residential group, more in the school and the agency."""
    sizes = {}
    for number, cell in by_number.items():
        if cell.kind == Cell.Kind.SCHOOL:
            sizes[number] = rng.randint(22, 26)
        elif cell.kind == Cell.Kind.AGENCY:
            sizes[number] = rng.randint(28, 34)
        else:
            sizes[number] = rng.randint(14, 22)
    residential = [n for n, c in by_number.items() if c.kind == Cell.Kind.RESIDENTIAL]
    while sum(sizes.values()) < MEMBERS_PER_BLOCK * scale:
        sizes[rng.choice(residential)] += 1
    return sizes


def _named(people: _People, by_number: dict[int, Cell], username: str, home: int, **profile: bool) -> _Person:
    person = people.make(by_number[home], **profile)
    person.username = username
    if username:
        person.member.email = f"{username}@example.org"
    return person


def _create_users(accounts: list[_Person], staff: _Person) -> dict[str, auth.User]:
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)  # hashed once: the hasher is slow on purpose
    users = [
        User(
            username=p.username,
            password=password,
            email=p.member.email,
            first_name=p.member.full_name.rsplit(" ", 1)[-1],
            last_name=p.member.full_name.rsplit(" ", 1)[0],
            is_staff=p is staff,
            is_superuser=p is staff,
        )
        for p in accounts
    ]
    User.objects.bulk_create(users)
    for person, user in zip(accounts, users, strict=True):
        person.member.user = user
    return {u.username: u for u in users}


class _People:
    """Generates believable members: names, ages, Party careers, contacts."""

    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        self.cards: set[int] = set()
        self.family = list(FAMILY_NAMES), list(FAMILY_NAMES.values())
        self.middle = {g: (list(names), list(names.values())) for g, names in MIDDLE_NAMES.items()}

    def make(self, cell: Cell, *, cadre: bool = False, elder: bool = False, left: bool = False) -> _Person:
        """A member of the cell. A cadre is official, active and of working age (an elder cadre: a
        residential secretary, often retired); the rest are a mix with a few probationary and exempt."""
        rng = self.rng
        male_share = MALE_SHARE.get(cell.kind, 0.55)
        gender = Member.Gender.MALE if rng.random() < male_share else Member.Gender.FEMALE
        age = self._age(cell, cadre=cadre, elder=elder)
        birth = self.today - dt.timedelta(days=round(age * 365.25) + rng.randint(0, 364))
        probationary = not cadre and not left and age < 36 and rng.random() < 0.3
        member = Member(
            full_name=self._name(gender, age),
            gender=gender,
            birth_date=birth,
            cell=cell,
            phone=rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**7):07d}",
        )
        if probationary:
            member.admitted_on = self.today - dt.timedelta(days=rng.randint(20, 350))
        else:
            admitted_age = rng.uniform(19, min(30, age - 4) if cadre else 34)
            admitted = birth + dt.timedelta(days=round(admitted_age * 365.25))
            member.admitted_on = min(admitted, self.today - dt.timedelta(days=400 + rng.randint(0, 300)))
            member.official_on = _plus_year(member.admitted_on)
            member.card_number = self._card()
        if not cadre and age >= 78 and rng.random() < 0.2:
            member.exempt_since = self.today - dt.timedelta(days=rng.randint(60, 2500))
        if left:
            member.left_on = self.today - dt.timedelta(days=rng.randint(15, 330))
            deceased = age >= 75 and rng.random() < 0.6
            member.left_reason = Member.LeftReason.DECEASED if deceased else Member.LeftReason.TRANSFERRED
        if age < 70 or rng.random() < 0.2:
            member.email = f"{_ascii(member.full_name)}.{rng.randrange(10**4):04d}@example.org"
        return _Person(member)

    def _age(self, cell: Cell, *, cadre: bool, elder: bool) -> int:
        rng = self.rng
        if cadre:
            return (
                rng.randint(56, 70) if elder and cell.kind == Cell.Kind.RESIDENTIAL else rng.randint(34, 58)
            )
        if cell.kind in (Cell.Kind.SCHOOL, Cell.Kind.AGENCY):
            return rng.randint(24, 59)
        band = rng.random()  # residential groups are mostly retirees
        if band < 0.25:
            return rng.randint(24, 44)
        return rng.randint(45, 59) if band < 0.5 else rng.randint(60, 89)

    def _name(self, gender: Member.Gender, age: int) -> str:
        rng = self.rng
        family = rng.choices(*self.family)[0]
        middles, weights = self.middle[gender]
        if age < 45:  # younger parents chose less often the plain Văn / Thị
            weights = [w // 3 if i == 0 else w for i, w in enumerate(weights)]
        middle = rng.choices(middles, weights)[0]
        given = rng.choice(GIVEN_NAMES[gender])
        while given == middle:
            given = rng.choice(GIVEN_NAMES[gender])
        return f"{family} {middle} {given}"

    def _card(self) -> str:
        while (number := self.rng.randrange(10**8)) in self.cards:
            pass
        self.cards.add(number)
        return f"{number // 10**6:02d}.{number % 10**6:06d}"


def _plus_year(day: dt.date) -> dt.date:
    """The same day a year later (28 February for 29 February): a probation lasts twelve months."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _ascii(name: str) -> str:
    """'Nguyễn Văn Đức' → 'nguyenvanduc', for e-mail addresses."""
    folded = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()
