from io import StringIO

import pytest
from django.core.management import call_command

from reviews.models import Notification
from reviews.models.notifications import Kind


@pytest.fixture
def ward(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


def test_every_demo_overseer_finds_this_months_oversight_reminder_in_the_inbox(ward):
    reminded = set(
        Notification.objects.filter(kind=Kind.OVERSIGHT).values_list("recipient__user__username", flat=True)
    )

    assert {f"uyvien{k:02d}" for k in range(1, 12)} <= reminded
