"""The counts the UBKT board and a round's shares read are kept by the database in step with the rows,
whoever writes them: the services, bulk inserts, a plain UPDATE or DELETE. Proven against a recount."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from cells.models import Cell
from phuthang import periods
from reviews import counts
from reviews.models import Review, Shortcoming
from reviews.services import reviews as review_services
from reviews.services import shortcomings as services
from tests.factories import make_committee, make_member, make_review, make_shortcoming


def test_shortcoming_counts_follow_every_kind_of_write(ward, inspector, leader):
    today = periods.today()
    items = [make_shortcoming(ward.cell01) for _ in range(3)]
    make_shortcoming(ward.cell02, period_start=dt.date(2024, 1, 1), raised_on=dt.date(2024, 3, 1),
                     due_on=dt.date(2024, 6, 1))  # fmt: skip
    assert counts.stored_shortcomings() == counts.recounted_shortcomings()

    Shortcoming.objects.filter(pk=items[0].pk).update(status=Shortcoming.Status.IN_PROGRESS)
    Shortcoming.objects.filter(pk=items[1].pk).update(due_on=today + dt.timedelta(days=90))  # extended
    Shortcoming.objects.filter(pk=items[2].pk).update(description="Sửa chữ")  # no key moves
    Shortcoming.objects.bulk_create(
        [Shortcoming(**{**_fields(items[2]), "description": f"Hàng loạt {n}"}) for n in range(5)]
    )
    assert counts.stored_shortcomings() == counts.recounted_shortcomings()

    with connection.cursor() as cursor:  # raw SQL moving a row to another cell
        cursor.execute(
            "UPDATE reviews_shortcoming SET cell_id = %s WHERE id = %s", [ward.cell02.pk, items[2].pk]
        )
    assert counts.stored_shortcomings() == counts.recounted_shortcomings()
    assert counts.stored_committees() == counts.recounted_committees()
    tally = services.board_tally(inspector, today)
    board = services.board_counts(_unbound(), Shortcoming.objects.visible_to(inspector), tally, today)
    assert board["total"] == Shortcoming.objects.visible_to(inspector).count()
    assert board["extended"] == 1


def test_committee_counts_follow_every_kind_of_write_and_a_cell_moving_to_another_committee(ward):
    today = periods.today()
    items = [make_shortcoming(ward.cell01, due_on=today - dt.timedelta(days=n)) for n in (1, 1, 5)]
    make_shortcoming(ward.cell02, period_start=dt.date(2024, 1, 1), raised_on=dt.date(2024, 3, 1),
                     due_on=dt.date(2024, 6, 1), status="verified")  # fmt: skip
    assert counts.stored_committees() == counts.recounted_committees() != {}

    Shortcoming.objects.filter(pk=items[0].pk).update(status=Shortcoming.Status.REPORTED_FIXED)  # no due date
    Shortcoming.objects.filter(pk=items[1].pk).update(
        due_on=today + dt.timedelta(days=90)
    )  # a due date moved
    Shortcoming.objects.filter(pk=items[2].pk).update(description="Sửa chữ")  # no key moves
    Shortcoming.objects.bulk_create(
        [Shortcoming(**{**_fields(items[2]), "description": f"Hàng loạt {n}"}) for n in range(5)]
    )
    assert counts.stored_committees() == counts.recounted_committees()

    other = make_committee(code="KHAC")
    Cell.objects.filter(pk=ward.cell01.pk).update(committee=other)  # the cell moves with its shortcomings
    Cell.objects.filter(pk=ward.cell02.pk).update(name="Tên mới")  # a cell's edit that moves nothing
    assert counts.stored_committees() == counts.recounted_committees()
    assert {key[0] for key in counts.stored_committees()} == {other.pk, ward.committee.pk}


def test_round_rating_counts_follow_decisions_and_reopenings(ward, leader):
    review_round = review_services.start_round(
        ward.committee, title="2026", period_kind="year", year=2026, quarter=None, by=leader
    )
    reviews = list(Review.objects.filter(round=review_round, member__isnull=False))
    Review.objects.filter(pk__in=[r.pk for r in reviews[:2]]).update(status="decided", decided_rating="good")
    Review.objects.filter(pk=reviews[2].pk).update(status="decided", decided_rating="excellent")
    assert counts.stored_ratings() == counts.recounted_ratings() != {}

    Review.objects.filter(pk=reviews[0].pk).update(status="proposed", decided_rating="")  # re-opened
    newcomer = make_member(ward.cell01)
    make_review(member=newcomer, round=review_round, status="decided", decided_rating="good")
    assert counts.stored_ratings() == counts.recounted_ratings()
    assert counts.stored_ratings()[(review_round.pk, False, "good")] == 2


def _fields(item: Shortcoming) -> dict:
    return {
        f.attname: getattr(item, f.attname) for f in Shortcoming._meta.concrete_fields if not f.primary_key
    }


def _unbound():
    from cells.models import Cell
    from reviews.forms.shortcomings import BoardFilterForm

    return BoardFilterForm(None, cells=Cell.objects.none(), years=[])
