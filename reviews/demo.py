"""Demo data for the accountability cycle, added on top of the ward that `cells.demo` builds."""

from __future__ import annotations

import random

from cells.demo import Ward
from reviews.demo_feedback import build_feedback
from reviews.demo_meetings import build_meetings
from reviews.demo_pledges import build_plans, build_pledges
from reviews.demo_reviews import build_reviews
from reviews.demo_worksheets import build_worksheets
from reviews.models import Rule
from reviews.services import reminders


def build_cycle(ward: Ward, *, rng: random.Random) -> None:
    """Add the ward's meetings, reviews, shortcomings, pledges and reminders (docs/architecture.md, Demo data).

    Each feature of `reviews` adds its demo rows here, drawing only from `rng` (and dates counted from
    `ward.today`) so the demo stays deterministic, and inserting with `bulk_create` so `seed_demo --scale`
    stays fast.
    """
    build_meetings(ward, rng=rng)
    # before the reviews, whose self-reviews mark each line of the year's pledge; its own rng, so the
    # others' draws stay
    build_pledges(ward, rng=random.Random(f"pledges-{ward.seed}"))
    build_reviews(ward, rng=rng)
    build_feedback(ward, rng=rng)
    build_plans(ward, rng=random.Random(f"plans-{ward.seed}"))
    build_worksheets(ward, rng=random.Random(f"worksheets-{ward.seed}"))
    build_reminders(ward)


def build_reminders(ward: Ward) -> None:
    """Plan this month's reminders, so the demo's inboxes are not empty on its first day.

    A real deployment's reminder rules take effect on the day they are installed (a new rule never mails
    the past); the demo's take effect at the start of this month, so its reminders are planned at once.
    The worker of `make run` then sends them.
    """
    Rule.objects.filter(key__startswith="reminders.", key__endswith=".effective_from").update(
        value=ward.month.isoformat()
    )
    reminders.plan_due(ward.today)
