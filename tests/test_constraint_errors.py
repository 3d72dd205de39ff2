"""A database constraint refusing a write reads as that constraint's own message, found by its name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from phuthang.constraints import constraint_error, constraint_name
from reviews.models import Meeting
from reviews.services import meetings as services
from tests.conftest import vi
from tests.factories import make_meeting

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_this_months_meeting")]


def test_the_constraint_is_named_by_the_database_not_found_in_the_error_text(ward):
    meeting = make_meeting(ward.cell01)
    # the minutes' own words name another constraint: searching the text would pick the wrong message
    with pytest.raises(ValidationError) as refused:
        services.save_meeting(
            meeting,
            version=meeting.version,
            by=None,
            changes=services.SheetChanges(
                fields={"ended_at": dt.time(7, 0), "resolution": "votes; meeting_date_in_its_month"}, marks={}
            ),
        )
    assert refused.value.messages == [vi("The meeting must end after it starts.")]
    assert refused.value.error_list[0].code == "meeting_ends_after_start"
    meeting.refresh_from_db()
    assert meeting.ended_at is None and meeting.version == 1


def test_votes_beyond_those_present_read_as_the_votes_message(ward):
    meeting = make_meeting(ward.cell01)
    with pytest.raises(ValidationError) as refused:
        services.save_meeting(
            meeting,
            version=meeting.version,
            by=None,
            changes=services.SheetChanges(fields={"votes_for": 99}, marks={}),
        )
    assert refused.value.messages == [vi("The votes cannot be more than the members present.")]


def test_a_constraint_without_a_message_of_its_own_is_raised_as_it_is(ward):
    meeting = make_meeting(ward.cell01)
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(expected_count=99)
    assert constraint_name(raised.value) == "meeting_counts_add_up"
    with pytest.raises(IntegrityError):
        constraint_error(raised.value, Meeting)
