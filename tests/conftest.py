"""The shared test cast: one small ward (a committee with cell01 and cell02) and a user per role.

Every role fixture returns a fresh Django user linked to a member (except `stranger` and `staff`), so
`phuthang.access`, which caches per user object, computes from the database. `client.force_login(user)`
loads the user again on each request anyway.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from cells.models import Cell, Committee, Member, Role
from phuthang import db_roles, periods, submits
from tests.factories import make_assignment, make_cell, make_committee, make_member, make_person, make_user


@pytest.fixture(autouse=True)
def _vietnamese_by_default():
    """Each test starts in Vietnamese: a request made in English leaves its language on the thread."""
    translation.activate("vi")
    yield
    translation.deactivate()


# --- Database roles (docs/security.md). pytest-django creates the test database as the owner; then the
# suite connects as the application role, as the app does. Flushes between transactional tests TRUNCATE,
# which only the owner may: phuthang's `flush` command connects as the owner while it runs.


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    db_roles.connect_as_owner(connections["default"])


@dataclasses.dataclass
class AppRole:
    name: str
    password: str


def _app_role() -> AppRole:
    """DATABASE_URL's user, or phuthang_app when one URL serves both (a developer's DATABASE_URL as postgres)."""
    if db_roles.app_role() != db_roles.owner_role():
        return AppRole(db_roles.app_role(), str(settings.DATABASE_APP["PASSWORD"] or ""))
    return AppRole(settings.EMBEDDED_APP_ROLE, "")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The test database, made by the owner, with the application role's privileges; the suite connects as
    that role, and as the owner again to drop the database."""
    role = _app_role()
    connection = connections["default"]
    with django_db_blocker.unblock():
        call_command("db_roles", role=role.name, stdout=io.StringIO())
    saved = {"USER": connection.settings_dict["USER"], "PASSWORD": connection.settings_dict["PASSWORD"]}
    connection.close()
    connection.settings_dict.update(USER=role.name, PASSWORD=role.password)
    yield
    connection.close()
    connection.settings_dict.update(saved)


@pytest.fixture(scope="session")
def app_role(django_db_setup: None) -> AppRole:
    """The role the suite (and the app) connects as."""
    return _app_role()


@pytest.fixture
def as_owner(transactional_db: None) -> Iterator[None]:
    """The test's connection logs in as the owner (a repair the owner may make), and back before the flush."""
    with db_roles.as_owner():
        yield


# Playwright's sync API runs an event loop in the test thread; the ORM calls beside it are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PHUTHANG_CHROMIUM", "/usr/bin/chromium")  # Debian's; never `playwright install`


def once(data: dict[str, Any] | None = None, **more: Any) -> dict[str, Any]:
    """A create form's POST as its page sends it: the data with a fresh one-time token (phuthang.submits)."""
    return {**(data or {}), **more, "submit_token": submits.new_token()}


def vi(text: str, **values: object) -> str:
    """What a Vietnamese user reads for an English source string, formatted as the code does.

    `vi("Decision saved.")`, or `vi("Due %(day)s.", day="30/06/2026")` for `_("Due %(day)s.") % {...}`.
    Values are formatted under Vietnamese too, so a lazy label (a status, an action) reads as shown.
    Plain text: wrap it in `django.utils.html.escape` to look for it in a page. Until a string is
    translated, gettext returns the English source, so the comparison holds either way.
    """
    with translation.override("vi"):
        message = translation.gettext(text)
        return message % values if values else message


@dataclasses.dataclass
class Ward:
    committee: Committee
    cell01: Cell
    cell02: Cell
    members01: list[Member]  # ordinary members of cell01: official, probationary, exempt
    members02: list[Member]


@pytest.fixture
def ward(db: Any) -> Ward:
    committee = make_committee(name="Đảng bộ phường Phúc Thắng", code="PT")
    cell01 = make_cell(committee, name="Chi bộ Tổ dân phố 1", code="CB01", meeting_day=5)
    cell02 = make_cell(committee, name="Chi bộ Trường Tiểu học", code="CB02", kind=Cell.Kind.SCHOOL)
    members01 = [
        make_member(cell01, full_name="Nguyễn Văn Chính"),
        make_member(
            cell01,
            full_name="Trần Thị Dự",
            admitted_on=periods.today() - dt.timedelta(days=60),
            official_on=None,
        ),
        make_member(
            cell01, full_name="Lê Văn Miễn", birth_date=dt.date(1940, 2, 2), exempt_since=dt.date(2020, 1, 1)
        ),
    ]
    members02 = [make_member(cell02, full_name="Phạm Thị Hoa"), make_member(cell02, full_name="Vũ Văn Sơn")]
    return Ward(committee, cell01, cell02, members01, members02)


@pytest.fixture
def committee(ward: Ward) -> Committee:
    return ward.committee


@pytest.fixture
def cell01(ward: Ward) -> Cell:
    return ward.cell01


@pytest.fixture
def cell02(ward: Ward) -> Cell:
    return ward.cell02


# --- The cast. Committee people are members of cell02, so their sight of cell01 comes from their role.


@pytest.fixture
def secretary(cell01: Cell) -> Any:
    """Cell secretary (bí thư chi bộ) of cell01."""
    return make_person(cell01, Role.CELL_SECRETARY, username="chibo01", full_name="Hoàng Văn Thư")


@pytest.fixture
def other_secretary(cell02: Cell) -> Any:
    """Cell secretary of cell02: must see nothing of cell01."""
    return make_person(cell02, Role.CELL_SECRETARY, username="chibo02", full_name="Đặng Thị Hai")


@pytest.fixture
def overseer(cell01: Cell, cell02: Cell) -> Any:
    """Committee member (đảng ủy viên) assigned to oversee cell01 this month (Vietnam time)."""
    user = make_person(cell02, Role.COMMITTEE_MEMBER, username="uyvien01", full_name="Bùi Quốc Phụ")
    make_assignment(user.member, cell01)
    return user


@pytest.fixture
def inspector(cell02: Cell) -> Any:
    """Member of the inspection committee (UBKT) of the ward."""
    return make_person(cell02, Role.INSPECTION_MEMBER, username="ubkt2", full_name="Vũ Thị Kiểm")


@pytest.fixture
def leader(cell02: Cell) -> Any:
    """Secretary of the ward committee (bí thư Đảng ủy)."""
    return make_person(cell02, Role.SECRETARY, username="bithu", full_name="Nguyễn Văn Lãnh")


@pytest.fixture
def member(cell01: Cell) -> Any:
    """An ordinary member of cell01 with a login."""
    return make_person(cell01, username="dangvien", full_name="Lê Thị Viên")


@pytest.fixture
def stranger(db: Any) -> Any:
    """A login with no member behind it."""
    return make_user("stranger")


@pytest.fixture
def staff(db: Any) -> Any:
    """Office staff (văn phòng): is_staff, no member."""
    return make_user("vanphong", is_staff=True)


# --- Browser tests: Debian's chromium through pytest-playwright.


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server: Any) -> str:
    """Browser tests open literal paths (`page.goto("/cells/1/")`) on the live server.

    Defining it here also replaces pytest-playwright's fallback fixture, which pytest 9 warns about.
    """
    return live_server.url


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser") is None or shutil.which(CHROMIUM):
        return
    reason = f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so browser tests must run", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def after_this_months_meeting():
    """On the 20th of this month, Vietnam time: the factories' day-5 meeting has been held, so attendance,
    votes and finalising (which wait for the meeting's own time) are open."""
    day = periods.today().replace(day=20)
    with time_machine.travel(
        dt.datetime.combine(day, dt.time(12, 0), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=True
    ):
        yield


# --- Hypothesis (tests/test_hostile_properties.py): few examples per route by default, the same on every run;
# `pytest --hypothesis-profile=thorough` explores many more.

hypothesis_settings.register_profile(
    "hostile",
    max_examples=4,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
hypothesis_settings.register_profile(
    "thorough", hypothesis_settings.get_profile("hostile"), max_examples=200, derandomize=False
)
hypothesis_settings.load_profile("hostile")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    module = sys.modules.get("tests.test_hostile_properties")
    if module is not None and any(module.EXAMPLES.values()):
        got, posted = module.EXAMPLES["get"], module.EXAMPLES["post"]
        terminalreporter.write_line(f"hostile input: {got} GET and {posted} POST examples ran")
