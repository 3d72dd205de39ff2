"""The history triggers record the request's context and honour the owner's pgtrigger.ignore without subtransactions.

The application role's pgtrigger.ignore is not obeyed: tests/test_database_roles.py.
"""

import pghistory
import pgtrigger
from django.apps import apps
from django.db import connection

from cells.models import Member


def test_the_trigger_helpers_open_no_subtransaction_per_row(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, prosrc FROM pg_proc WHERE proname IN ('_pgh_attach_context', '_pgtrigger_should_ignore')"
        )
        sources = dict(cursor.fetchall())
    assert set(sources) == {"_pgh_attach_context", "_pgtrigger_should_ignore"}
    assert not any("EXCEPTION" in source for source in sources.values())


def test_a_change_made_in_a_context_is_recorded_with_it(ward, secretary):
    member = ward.members01[0]
    with pghistory.context(user=secretary.pk):
        Member.objects.filter(pk=member.pk).update(phone="0987654321")

    event = apps.get_model("cells", "MemberEvent").objects.get(pgh_obj=member, pgh_label="update")
    assert event.pgh_context.metadata["user"] == secretary.pk


def test_an_ignored_trigger_records_nothing_when_the_owner_ignores_it(ward, as_owner):
    member = ward.members01[0]
    with pgtrigger.ignore("cells.Member:update_update"):
        Member.objects.filter(pk=member.pk).update(phone="0987654321")

    assert (
        not apps.get_model("cells", "MemberEvent").objects.filter(pgh_obj=member, pgh_label="update").exists()
    )
