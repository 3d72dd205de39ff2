"""`manage.py bench_pages`: time the main pages and count their queries on the current database.

Run it on a seeded database (`seed_demo --scale N`) to see that query counts stay flat as the ward
grows to a province; it changes nothing.
"""

from __future__ import annotations

import statistics
import time
import warnings
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from cells.models import Cell
from phuthang import periods
from reviews.models import Meeting, PledgeCampaign, ReviewRound


def _pages() -> list[tuple[str, str]]:
    """(username, path) of the pages people open most, resolved on the seeded demo ward."""
    cell = Cell.objects.filter(code__in=["PT-01", "PT-0001"]).first() or Cell.objects.order_by("pk").first()
    if cell is None:
        raise CommandError("The database holds no cells: run `manage.py seed_demo` first.")
    meetings = Meeting.objects.filter(cell=cell).order_by("-month")
    meeting = meetings.first()
    draft = meetings.filter(status=Meeting.Status.DRAFT).first()
    user_model = get_user_model()
    member_pk = user_model.objects.get(username="dangvien").member.pk
    pages = [
        ("bithu", "/cells/"),
        ("bithu", "/oversight/"),
        ("bithu", "/oversight/?q=Nguy%E1%BB%85n&page=2"),
        ("bithu", f"/oversight/{periods.month_start():%Y-%m}/edit/"),
        ("bithu", f"/oversight/{periods.month_start():%Y-%m}/edit/?q=Nguy%E1%BB%85n&page=2"),
        ("bithu", "/shortcomings/"),
        ("bithu", "/shortcomings/?overdue=1"),
        ("bithu", "/review-rounds/"),
        ("ubkt", "/shortcomings/"),
        ("chibo01", f"/cells/{cell.pk}/"),
        ("chibo01", f"/meetings/cell/{cell.pk}/"),
        ("chibo01", f"/cells/{cell.pk}/reviews/"),
        ("dangvien", f"/members/{member_pk}/"),
        ("dangvien", "/inbox/"),
        ("vanphong", "/reminders/"),
        # issue 11: the pages that grew with the province, now paged or reading kept counts
        ("bithu", "/meetings/"),
        ("bithu", "/meetings/?page=2"),
        ("bithu", "/reminders/preview/"),
        ("vanphong", "/jobs/"),
    ]
    if meeting is not None:
        pages.append(("chibo01", f"/meetings/{meeting.pk}/"))
    if draft is not None:
        pages.append(("chibo01", f"/meetings/{draft.pk}/edit/"))
    review_round = ReviewRound.objects.filter(committee_id=cell.committee_id).order_by("-year", "-pk").first()
    if review_round is not None:
        pages.append(("bithu", f"/review-rounds/{review_round.pk}/"))
        pages.append(("chibo01", f"/review-rounds/{review_round.pk}/"))
    campaign = PledgeCampaign.objects.filter(committee_id=cell.committee_id).order_by("-year").first()
    if campaign is not None:
        pages.append(("bithu", f"/pledges/campaigns/{campaign.pk}/"))
        pages.append(("chibo01", f"/pledges/campaigns/{campaign.pk}/cells/{cell.pk}/"))
    return pages


class Command(BaseCommand):
    help = "Time the main pages and count their queries on the current (seeded) database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=5, help="Requests per page; the median is shown.")

    def handle(self, *args: Any, repeat: int, **options: Any) -> None:
        users = {
            u.username: u
            for u in get_user_model().objects.filter(
                username__in=["bithu", "ubkt", "chibo01", "dangvien", "vanphong"]
            )
        }
        self.stdout.write(f"{'user':<10} {'status':>6} {'queries':>7} {'median ms':>9} {'KB':>7}  path")
        with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # whitenoise's "no directory at STATIC_ROOT" before collectstatic
            for username, path in _pages():
                client = Client()
                client.force_login(users[username])
                client.get(path)  # warm caches and the connection
                timings, queries, status = [], 0, 0
                for _ in range(repeat):
                    with CaptureQueriesContext(connection) as captured:
                        start = time.perf_counter()
                        response = client.get(path)
                        timings.append((time.perf_counter() - start) * 1000)
                    queries, status, size = len(captured), response.status_code, len(response.content)
                median = statistics.median(timings)
                kb = size / 1024  # before compression
                self.stdout.write(
                    f"{username:<10} {status:>6} {queries:>7} {median:>9.1f} {kb:>7.1f}  {path}"
                )
