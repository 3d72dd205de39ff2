"""seed_demo's citizens' feedback: a year of items in every state, some overdue, one become a shortcoming."""

from io import StringIO

import pytest
from django.core.management import call_command

from phuthang import periods
from reviews.models import FeedbackItem, ReceptionSession, Shortcoming


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


def test_a_year_of_items_in_every_state_some_overdue_one_become_a_shortcoming(seeded):
    assert set(FeedbackItem.objects.values_list("status", flat=True)) == set(FeedbackItem.Status.values)
    assert set(FeedbackItem.objects.values_list("kind", flat=True)) == set(FeedbackItem.Kind.values)
    oldest = FeedbackItem.objects.order_by("received_on").first()
    assert (periods.today() - oldest.received_on).days <= 366
    assert FeedbackItem.objects.overdue().count() >= 2
    raised = Shortcoming.objects.get(source="feedback")
    assert raised.feedback_item.status == "concluded" and raised.feedback_item.finds_fault
    assert ReceptionSession.objects.filter(kind="dialogue").exists()
