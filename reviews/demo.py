"""Demo data for the accountability cycle, added on top of the ward that `cells.demo` builds."""

from __future__ import annotations

import random

from cells.demo import Ward


def build_cycle(ward: Ward, *, rng: random.Random) -> None:
    """Add the ward's meetings, reviews, shortcomings, pledges and reminders (DESIGN.md §9).

    Nothing yet: each feature of `reviews` adds its demo rows here, drawing only from `rng` (and dates
    counted from `ward.today`) so the demo stays deterministic, and inserting with `bulk_create` so
    `seed_demo --scale` stays fast.
    """
    from reviews.demo_meetings import build_meetings
    from reviews.demo_reviews import build_reviews

    build_meetings(ward, rng=rng)
    build_reviews(ward, rng=rng)
