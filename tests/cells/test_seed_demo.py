import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction

from cells.models import Cell, Committee, Member, OversightAssignment, Position, Role
from phuthang import access, periods

DEMO_USERNAMES = [
    "vanphong",
    "bithu",
    "phobithu",
    "ubkt",
    "ubkt2",
    *(f"uyvien{k:02d}" for k in range(1, 12)),
    *(f"chibo{n:02d}" for n in range(1, 23)),
    "dangvien",
]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def ward(db, settings):
    settings.DEBUG = True
    return seed()


class Rollback(Exception):
    pass


def test_the_ward_has_22_cells_and_at_least_420_current_members(ward):
    assert Committee.objects.get().name == "Đảng bộ phường Phúc Thắng"
    assert Cell.objects.count() == 22
    assert Member.objects.current().count() >= 420
    kinds = list(Cell.objects.values_list("kind", flat=True))
    assert kinds.count(Cell.Kind.SCHOOL) == 1
    assert kinds.count(Cell.Kind.AGENCY) == 1
    assert Cell.objects.get(code="PT-01").name == "Chi bộ Tổ dân phố số 1"


def test_members_include_probationary_exempt_and_departed_people(ward):
    today = periods.today()
    probationary = Member.objects.current().filter(official_on__isnull=True)
    assert probationary.exists()
    assert all((today - m.admitted_on).days < 366 for m in probationary)
    assert Member.objects.current().filter(exempt_since__isnull=False).exists()
    assert Member.objects.exclude(left_on=None).exclude(left_reason="").exists()
    cards = list(Member.objects.exclude(card_number=None).values_list("card_number", flat=True))
    assert all(re.fullmatch(r"\d{2}\.\d{6}", card) for card in cards)


def test_every_cell_has_a_secretary_from_the_cell_with_a_chibo_login_and_a_deputy(ward):
    for number, cell in enumerate(Cell.objects.order_by("code"), start=1):
        secretary = Position.objects.current().get(cell=cell, role=Role.CELL_SECRETARY).member
        assert secretary.cell == cell
        assert secretary.user.username == f"chibo{number:02d}"
        deputy = Position.objects.current().get(cell=cell, role=Role.CELL_DEPUTY).member
        assert deputy.cell == cell
        assert deputy != secretary


def test_eleven_committee_members_oversee_two_cells_each_this_month_covering_all_22(ward):
    this_month = OversightAssignment.objects.for_month(periods.month_start())
    assert this_month.values("cell").distinct().count() == 22
    per_overseer = {}
    for assignment in this_month.select_related("overseer__user"):
        per_overseer.setdefault(assignment.overseer.user.username, []).append(assignment.cell_id)
    assert sorted(per_overseer) == [f"uyvien{k:02d}" for k in range(1, 12)]
    assert all(len(cells) == 2 for cells in per_overseer.values())


def test_last_month_has_assignments_to_copy(ward):
    last_month = periods.add_months(periods.month_start(), -1)
    assert OversightAssignment.objects.for_month(last_month).count() == 22


def test_every_demo_account_logs_in_with_the_demo_password_and_has_an_example_org_email(ward):
    assert sorted(get_user_model().objects.values_list("username", flat=True)) == sorted(DEMO_USERNAMES)
    for username in DEMO_USERNAMES:
        user = authenticate(username=username, password="demo-phucthang")
        assert user is not None, username
        assert user.member.email == f"{username}@example.org"


def test_the_demo_accounts_get_the_access_their_role_promises(ward):
    users = {u.username: u for u in get_user_model().objects.all()}
    cell01 = Cell.objects.get(code="PT-01")
    assert access.for_user(users["vanphong"]).is_staff
    assert users["vanphong"].is_superuser
    assert access.for_user(users["bithu"]).is_leader
    assert access.for_user(users["phobithu"]).is_leader
    assert access.for_user(users["ubkt"]).is_inspector
    assert not access.for_user(users["ubkt"]).is_leader
    assert access.for_user(users["ubkt2"]).is_inspector
    assert len(access.for_user(users["uyvien01"]).overseer_cell_ids) == 2
    assert not access.for_user(users["uyvien01"]).sees_committee
    assert access.for_user(users["chibo01"]).secretary_cell_ids == {cell01.pk}
    dangvien = access.for_user(users["dangvien"])
    assert dangvien.member_cell_id == cell01.pk
    assert not (dangvien.sees_committee or dangvien.is_secretary or dangvien.is_overseer)


def test_everyone_holding_a_position_or_a_login_is_a_current_official_member_not_exempt(ward):
    holders = Member.objects.filter(positions__isnull=False) | Member.objects.filter(user__isnull=False)
    for member in holders.distinct():
        assert member.left_on is None
        assert member.is_official
        assert not member.is_exempt()


def test_the_command_prints_the_counts_and_the_accounts_with_their_password(ward):
    assert "demo-phucthang" in ward
    assert "members" in ward
    for username in DEMO_USERNAMES:
        assert username in ward


def test_two_runs_build_the_same_ward(db, settings):
    settings.DEBUG = True

    def run() -> list[tuple]:
        seed()
        return list(
            Member.objects.order_by("pk").values_list("full_name", "birth_date", "card_number", "cell__code")
        )

    try:
        with transaction.atomic():
            first = run()
            raise Rollback
    except Rollback:
        pass
    assert not Member.objects.exists()
    assert run() == first


def test_a_database_with_an_organisation_is_refused_and_left_alone(db, settings):
    settings.DEBUG = True
    Committee.objects.create(name="Đảng bộ khác", code="X")
    with pytest.raises(CommandError, match="already holds"):
        seed()
    assert not Cell.objects.exists()


def test_if_empty_exits_quietly_when_the_database_holds_data(db, settings):
    settings.DEBUG = True
    Committee.objects.create(name="Đảng bộ khác", code="X")
    assert seed("--if-empty") == ""
    assert Committee.objects.count() == 1


def test_if_empty_seeds_an_empty_database(db, settings):
    settings.DEBUG = True
    seed("--if-empty")
    assert Cell.objects.count() == 22


def test_it_refuses_to_run_with_debug_off_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        seed()
    assert not Committee.objects.exists()
    seed("--force")
    assert Cell.objects.count() == 22


def test_scale_two_doubles_the_cells_and_gives_every_cell_an_overseer(db, settings):
    settings.DEBUG = True
    seed("--scale", "2")
    assert Cell.objects.count() == 44
    assert Member.objects.current().count() >= 840
    assert OversightAssignment.objects.for_month(periods.month_start()).count() == 44
    assert get_user_model().objects.count() == len(DEMO_USERNAMES)
