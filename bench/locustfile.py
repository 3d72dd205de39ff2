"""phuthang's load test: the demo ward's people going about their month, as locust users.

Run by bench/load.sh (`make load`) against gunicorn with production settings on a database seeded with
`seed_demo`; docs/operations.md says how and what the figures were. Every user logs in with the demo
password and then repeats its journey, finding its links on the pages it is shown, as a person would:

- a cell secretary opens the cell, the year's meetings and this month's meeting sheet, and saves it
  (a secretary whose cell has no draft opens the last finalised minutes instead);
- a member opens their page, their reviews and one review;
- UBKT open the shortcomings board and one shortcoming;
- a leader opens the review rounds, this year's round, the cells, the oversight list, the board and the
  reminders;
- a committee member (overseer) opens their cells and a meeting of one.

Requests are named by page ("meeting sheet", …), not by URL, so the figures are per page. Any answer but
2xx (after redirects) is a failure; LOAD_TIMELINE names a CSV that gets one row per request (time, page,
status, ms) for the fault runs' error timelines.
"""

from __future__ import annotations

import csv
import itertools
import os
import random
import re
import sys
import time
from pathlib import Path

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
# bench/ is not a package: locust loads this file by path, and its helper sits beside it.
from forms import post_forms

PASSWORD = os.environ.get("LOAD_PASSWORD", "demo-phucthang")

_timeline_file = None
_timeline = None


@events.test_start.add_listener
def _open_timeline(environment, **kwargs):
    global _timeline_file, _timeline
    path = os.environ.get("LOAD_TIMELINE")
    if path:
        _timeline_file = open(path, "w", newline="")  # noqa: SIM115  (closed at test_stop)
        _timeline = csv.writer(_timeline_file)
        _timeline.writerow(["time", "page", "status", "ms"])


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    if _timeline is not None:
        status = getattr(response, "status_code", 0) if response is not None else 0
        _timeline.writerow([f"{time.time():.3f}", name, status or 0, f"{response_time:.1f}"])


@events.test_stop.add_listener
def _close_timeline(environment, **kwargs):
    if _timeline_file is not None:
        _timeline_file.close()


def links(html: str | None, pattern: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'href="(' + pattern + r')"', html or "")))


def answered(response) -> bool:
    """A page was drawn (not a refused connection, a timeout or an error status)."""
    return 200 <= (response.status_code or 0) < 400


class Person(HttpUser):
    abstract = True
    # A person reads a page for a few seconds before the next tap.
    wait_time = between(1, 4)
    accounts: list[str] = []
    _next: itertools.count

    def on_start(self) -> None:
        self.username = self.accounts[next(type(self)._next) % len(self.accounts)]
        self.login()

    def login(self) -> None:
        page = self.client.get("/accounts/login/", name="login page")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if token is None:
            raise RuntimeError("no CSRF token on the login page")
        with self.client.post(
            "/accounts/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
            name="log in",
            catch_response=True,
        ) as response:
            if not response.status_code or "/accounts/login/" in response.url:
                response.failure(f"{self.username} could not log in")
        self.home = response

    def open(self, path: str, page: str):
        """GET a page; a failure unless it ends in 2xx. A page that sends one back to log in is one too."""
        with self.client.get(path, name=page, catch_response=True) as response:
            if not response.status_code or response.status_code >= 400:
                response.failure(f"{response.status_code or response.error} on {path}")
            elif "/accounts/login/" in response.url:
                response.failure(f"{self.username} was logged out at {path}")
                self.login()
            else:
                response.success()
        return response

    def pick(self, html: str | None, pattern: str) -> str | None:
        found = links(html, pattern)
        return random.choice(found) if found else None


class Secretary(Person):
    weight = 20
    accounts = [f"chibo{i:02d}" for i in range(1, 23)]
    _next = itertools.count()

    @task
    def meeting_sheet(self) -> None:
        cell = self.open("/", "home (own cell)")
        if not answered(cell):
            return
        cell_path = re.sub(r"^https?://[^/]+", "", cell.url)
        self.open(cell_path.rstrip("/") + "/reviews/", "cell reviews")
        year = self.open("/meetings/cell/" + cell_path.strip("/").split("/")[-1] + "/", "cell meetings")
        drafts = links(year.text, r"/meetings/\d+/edit/")
        if not drafts:
            last = self.pick(year.text, r"/meetings/\d+/")
            if last:
                self.open(last, "meeting minutes")
            return
        sheet = self.open(drafts[0], "meeting sheet")
        form = next((f for f in post_forms(sheet.text) if ("save", "1") in f.get("buttons", [])), None)
        if form is None:
            return
        with self.client.post(
            drafts[0], data=[*form["fields"], ("save", "1")], name="meeting sheet save", catch_response=True
        ) as response:
            if not response.status_code or response.status_code >= 400 or "/edit/" not in response.url:
                response.failure(f"save answered {response.status_code} at {response.url}")
            else:
                response.success()


class Member(Person):
    weight = 10
    accounts = ["dangvien"]
    _next = itertools.count()

    @task
    def reviews(self) -> None:
        me = self.open("/", "home (own page)")
        if not answered(me):
            return
        own = self.pick(me.text, r"/members/\d+/reviews/")
        if own is None:
            return
        reviews = self.open(own, "member reviews")
        review = self.pick(reviews.text, r"/reviews/\d+/")
        if review:
            self.open(review, "review")
        self.open("/inbox/", "inbox")


class Inspector(Person):
    weight = 5
    accounts = ["ubkt", "ubkt2"]
    _next = itertools.count()

    @task
    def board(self) -> None:
        board = self.open("/shortcomings/", "shortcomings board")
        shortcoming = self.pick(board.text, r"/shortcomings/\d+/")
        if shortcoming:
            self.open(shortcoming, "shortcoming")
        self.open("/shortcomings/?overdue=1", "shortcomings board (overdue)")


class Leader(Person):
    weight = 5
    accounts = ["bithu", "phobithu"]
    _next = itertools.count()

    @task
    def dashboards(self) -> None:
        rounds = self.open("/review-rounds/", "review rounds")
        this_round = self.pick(rounds.text, r"/review-rounds/\d+/")
        if this_round:
            self.open(this_round, "review round")
        self.open("/cells/", "cells")
        self.open("/oversight/", "oversight")
        self.open("/shortcomings/", "shortcomings board")
        self.open("/reminders/", "reminders")


class Overseer(Person):
    weight = 10
    accounts = [f"uyvien{i:02d}" for i in range(1, 12)]
    _next = itertools.count()

    @task
    def cells(self) -> None:
        mine = self.open("/cells/", "cells")
        cell = self.pick(mine.text, r"/cells/\d+/")
        if cell is None:
            return
        self.open(cell, "cell")
        year = self.open("/meetings/cell/" + cell.strip("/").split("/")[-1] + "/", "cell meetings")
        meeting = self.pick(year.text, r"/meetings/\d+/")
        if meeting:
            self.open(meeting, "meeting minutes")
        self.open("/oversight/", "oversight")
