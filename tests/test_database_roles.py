"""As the application role, the database itself refuses every way around the history and every rewrite of it.

Each test connects as the role the app runs as (DATABASE_URL's user, with the privileges `db_roles` grants:
the whole suite does, tests/conftest.py) and tries what anyone holding the app's credentials could try. The refusals are
PostgreSQL's own: SQLSTATE 42501 (insufficient privilege, must be owner), or a trigger that records anyway.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pghistory
import pgtrigger
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.db.models.signals import post_migrate

from cells import services as cell_services
from cells.models import Member, OversightAssignment
from phuthang import db_roles
from reviews.models import Attendance, Meeting
from tests.factories import make_assignment, make_meeting

MemberEvent = apps.get_model("cells", "MemberEvent")
MeetingEvent = apps.get_model("reviews", "MeetingEvent")

INSUFFICIENT_PRIVILEGE = "42501"


def refused(statement: str, params: list[object] | None = None) -> str:
    """Run one statement as the connection's role; return PostgreSQL's message for the refusal."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
    cause = caught.value.__cause__
    assert getattr(cause, "sqlstate", None) == INSUFFICIENT_PRIVILEGE, cause
    return str(cause)


def member_events(member: Member, label: str = "update") -> int:
    return MemberEvent.objects.filter(pgh_obj=member, pgh_label=label).count()


@pytest.fixture
def recorded(ward, secretary, app_role) -> Iterator[Member]:
    """A member whose phone the secretary changed, as the app role: one update event with its context."""
    member = ward.members01[0]
    with pghistory.context(user=secretary.pk):
        Member.objects.filter(pk=member.pk).update(phone="0911111111")
    assert member_events(member) == 1
    yield member


def test_the_app_runs_as_a_role_that_is_no_superuser_and_owns_nothing(db, app_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_user, current_user")
        assert cursor.fetchone() == (app_role.name, app_role.name)
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles "
            "WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (False, False, False, False, False)
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole)
                 + (SELECT count(*) FROM pg_proc WHERE proowner = current_user::regrole)
                 + (SELECT count(*) FROM pg_namespace WHERE nspowner = current_user::regrole)
                 + (SELECT count(*) FROM pg_type WHERE typowner = current_user::regrole)
            """
        )
        assert cursor.fetchone() == (0,)


# --- Bypasses: the triggers cannot be switched off.


def test_pgtrigger_ignore_set_by_the_app_role_is_not_obeyed(recorded):
    with pgtrigger.ignore("cells.Member:update_update"):
        Member.objects.filter(pk=recorded.pk).update(phone="0922222222")
    assert member_events(recorded) == 2

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(tgname)::text FROM pg_trigger WHERE tgrelid = 'cells_member'::regclass"
        )
        (every_trigger,) = cursor.fetchone()
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [every_trigger])
        cursor.execute("UPDATE cells_member SET phone = '0933333333' WHERE id = %s", [recorded.pk])
    assert member_events(recorded) == 3


def test_the_owner_may_still_ignore_a_trigger(ward, as_owner):
    # A repair run as the owner may still switch a trigger off for its own transaction.
    member = ward.members01[0]
    with pgtrigger.ignore("cells.Member:update_update"):
        Member.objects.filter(pk=member.pk).update(phone="0944444444")
    assert member_events(member) == 0


def test_session_replication_role_replica_is_refused(db, app_role):
    assert "permission denied" in refused("SET session_replication_role = replica")


def test_disabling_a_trigger_is_refused(recorded):
    assert "must be owner" in refused("ALTER TABLE cells_member DISABLE TRIGGER ALL")
    trigger = _a_trigger_of("cells_member")
    assert "must be owner" in refused(f'ALTER TABLE cells_member DISABLE TRIGGER "{trigger}"')


def test_dropping_a_trigger_is_refused(recorded):
    trigger = _a_trigger_of("cells_member")
    assert "must be owner" in refused(f'DROP TRIGGER "{trigger}" ON cells_member')


def test_replacing_the_trigger_guard_function_or_shadowing_a_table_is_refused(db, app_role):
    # The role may create nothing in the schema, so it can neither replace nor shadow what is there.
    assert "permission denied for schema public" in refused(
        'CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN '
        "AS $$ BEGIN RETURN TRUE; END; $$ LANGUAGE plpgsql"
    )
    assert "permission denied for schema public" in refused("CREATE TABLE public.pghistory_shadow (id int)")


def test_becoming_the_owner_is_refused(db, app_role):
    assert "permission denied" in refused(f'SET ROLE "{db_roles.owner_role()}"')


# --- Rewrites: a history row, once written, stays as written.


def test_updating_a_history_event_is_refused(recorded):
    assert "permission denied" in refused(
        "UPDATE cells_memberevent SET phone = '0900000000' WHERE pgh_obj_id = %s", [recorded.pk]
    )


def test_deleting_a_history_event_is_refused(recorded):
    assert "permission denied" in refused(
        "DELETE FROM cells_memberevent WHERE pgh_obj_id = %s", [recorded.pk]
    )
    assert member_events(recorded) == 1


def test_rewriting_the_who_of_a_context_is_refused(recorded, leader):
    event = MemberEvent.objects.get(pgh_obj=recorded, pgh_label="update")
    assert "permission denied" in refused(
        "UPDATE pghistory_context SET metadata = jsonb_build_object('user', %s) WHERE id = %s",
        [leader.pk, event.pgh_context_id],
    )
    assert "permission denied" in refused(
        "DELETE FROM pghistory_context WHERE id = %s", [event.pgh_context_id]
    )


@pytest.mark.parametrize(
    "table", ["cells_memberevent", "pghistory_context", "reviews_meeting", "cells_member"]
)
def test_truncating_is_refused(recorded, table):
    assert "permission denied" in refused(f"TRUNCATE {table} CASCADE")


def test_deleting_a_meeting_is_refused(cell01, app_role):
    meeting = make_meeting(cell01)
    assert "permission denied" in refused("DELETE FROM reviews_meeting WHERE id = %s", [meeting.pk])
    with pytest.raises(DatabaseError):
        Meeting.objects.filter(pk=meeting.pk).delete()
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_every_table_outside_the_deletable_list_refuses_a_delete(db, app_role):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT table_name FROM information_schema.role_table_grants
            WHERE grantee = current_user AND privilege_type IN ('DELETE', 'TRUNCATE', 'TRIGGER')
            """
        )
        assert {table for (table,) in cursor.fetchall()} <= set(db_roles.DELETABLE_TABLES)
        cursor.execute(
            """
            SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type)
            FROM information_schema.role_table_grants WHERE grantee = current_user GROUP BY table_name
            """
        )
        granted = dict(cursor.fetchall())
    assert {granted[table] for table in db_roles.history_tables()} == {"INSERT,SELECT"}


# --- The context stays true: each event keeps the who of its moment.


def test_a_context_whose_metadata_changes_gets_a_new_row_and_the_first_keeps_its_who(
    ward, secretary, leader, app_role
):
    member = ward.members01[0]
    with pghistory.context(user=secretary.pk):
        Member.objects.filter(pk=member.pk).update(phone="0955555555")
        with pghistory.context(reason="sửa số điện thoại"):
            Member.objects.filter(pk=member.pk).update(phone="0966666666")
        Member.objects.filter(pk=member.pk).update(phone="0977777777")

    events = list(MemberEvent.objects.filter(pgh_obj=member, pgh_label="update").order_by("pgh_id"))
    metadata = [event.pgh_context.metadata for event in events]
    assert metadata[0] == {"user": secretary.pk}
    assert metadata[1] == {"user": secretary.pk, "reason": "sửa số điện thoại"}
    assert events[0].pgh_context_id != events[1].pgh_context_id


# --- And the application works as that role.


def test_the_pages_and_a_meeting_written_through_the_services_work_as_the_app_role(
    client, ward, secretary, leader, app_role
):
    client.force_login(secretary)
    meeting = make_meeting(ward.cell01, by=secretary)  # reviews.services.meetings.start_meeting
    assert MeetingEvent.objects.filter(pgh_obj=meeting, pgh_label="insert").exists()
    assert Attendance.objects.filter(meeting=meeting).count() == 3
    for path in [
        "/",
        "/cells/",
        f"/cells/{ward.cell01.pk}/",
        "/meetings/",
        f"/meetings/{meeting.pk}/",
        "/shortcomings/",
    ]:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path

    # Clearing an overseer deletes the month's plan (a deletable table); the trigger records it first.
    assignment = make_assignment(secretary.member, ward.cell01)
    cell_services.assign_oversight(
        ward.committee, month=assignment.month, overseers={ward.cell01.pk: None}, by=leader
    )
    assert not OversightAssignment.objects.filter(pk=assignment.pk).exists()
    client.logout()  # deletes the session row


def test_db_roles_runs_again_and_changes_nothing(transactional_db, app_role):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = %s",
            [app_role.name],
        )
        before = set(cursor.fetchall())
    with db_roles.as_owner():
        call_command("db_roles", role=app_role.name, verbosity=0, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = %s",
            [app_role.name],
        )
        assert set(cursor.fetchall()) == before


def _a_trigger_of(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname",
            [table],
        )
        return cursor.fetchone()[0]


def test_migrate_connects_as_the_owner_and_the_app_role_again_after(transactional_db, app_role):
    seen: list[str] = []

    def who(using: str = "default", **kwargs: object) -> None:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT session_user")
            seen.append(cursor.fetchone()[0])

    post_migrate.connect(who, dispatch_uid="test.who")
    try:
        call_command("migrate", verbosity=0, stdout=io.StringIO())
    finally:
        post_migrate.disconnect(dispatch_uid="test.who")
    assert set(seen) == {settings.DATABASE_OWNER["USER"]}
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_user")
        assert cursor.fetchone() == (app_role.name,)


def test_with_one_url_for_both_db_roles_says_so_and_changes_nothing(db, settings):
    settings.DATABASE_OWNER = {**settings.DATABASE_OWNER, "USER": settings.DATABASE_APP["USER"]}
    out = io.StringIO()
    call_command("db_roles", stdout=out)
    assert "nothing to separate" in out.getvalue()


def test_db_roles_refuses_to_make_the_owner_the_app_role(transactional_db):
    with pytest.raises(CommandError, match="is the owner"):
        call_command("db_roles", role=db_roles.owner_role(), stdout=io.StringIO())
