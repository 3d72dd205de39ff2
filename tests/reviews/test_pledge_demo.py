"""seed_demo's pledges: last year's campaign, this year's with most signed, some on paper, some not yet."""

from io import StringIO

import pytest
from django.core.management import call_command

from phuthang import periods
from reviews.models import Notification, Pledge, PledgeCampaign
from reviews.services import pledges as services


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


def test_this_years_campaign_has_most_signed_some_on_paper_some_not_yet(seeded):
    campaign = PledgeCampaign.objects.get(year=periods.today().year)
    rows = services.committee_progress(campaign, list(campaign.committee.cells.filter(active=True)))
    signed, expected = sum(r.signed for r in rows), sum(r.expected for r in rows)
    assert 0.7 * expected < signed < expected
    standing = Pledge.objects.standing().filter(campaign=campaign)
    assert standing.filter(method="paper").exists() and standing.filter(method="online").exists()
    assert not standing.filter(method="paper", paper_signed_on__isnull=True).exists()
    assert not standing.filter(lines__isnull=True).exists()


def test_last_years_campaign_is_there_nearly_all_signed(seeded):
    campaign = PledgeCampaign.objects.get(year=periods.today().year - 1)
    assert Pledge.objects.filter(campaign=campaign, lines__kind="commitment").exists()
    rows = services.committee_progress(campaign, list(campaign.committee.cells.filter(active=True)))
    assert sum(r.signed for r in rows) > 0.9 * sum(r.expected for r in rows)


def test_dangvien_has_this_years_pledge_still_to_sign(seeded):
    campaign = PledgeCampaign.objects.get(year=periods.today().year)
    assert not Pledge.objects.filter(campaign=campaign, member__user__username="dangvien").exists()
    unsigned = services.unsigned_members(campaign)
    assert unsigned.filter(user__username="dangvien").exists()


def test_the_demo_secretaries_are_reminded_of_the_unsigned_once_the_due_date_passed(seeded):
    campaign = PledgeCampaign.objects.get(year=periods.today().year)
    reminded = Notification.objects.filter(kind="pledge_unsigned").exists()
    assert reminded == (periods.today() > campaign.due_on)


def test_most_leaders_have_a_plan_and_a_few_are_missing(seeded):
    from reviews.models import ActionPlan
    from reviews.services import plans

    campaign = PledgeCampaign.objects.get(year=periods.today().year)
    authors = plans.expected_authors(campaign.committee, periods.today())
    written = set(ActionPlan.objects.filter(year=periods.today().year).values_list("member_id", flat=True))
    missing = [m for m, _cell in authors if m.pk not in written]
    assert 0 < len(missing) < len(authors) / 3
    assert any(m.user is not None and m.user.username == "phobithu" for m in missing)
    assert ActionPlan.objects.filter(items__notes__isnull=False).exists()
