"""The record's triggers: what every tracked model records, who each event names, and the trigger helpers.

`tracked()` is the one `@pghistory.track` every model of the record uses: insert, update and delete events.
`records_who` makes a service's `by=` user the "who" of the events it causes, inside a request or not.

History triggers without a subtransaction per recorded row.

django-pghistory's `_pgh_attach_context()` and django-pgtrigger's `_pgtrigger_should_ignore()` read their
session settings inside BEGIN … EXCEPTION, which opens a subtransaction for every row a trigger records. In
one transaction that writes many rows (a bulk insert or update, `seed_demo --scale`) PostgreSQL then works,
at the end of each subtransaction, in proportion to the trigger events already queued: the time grows with
the square of the rows (seen: 170 attendance rows/s at province scale). Reading the settings with
CURRENT_SETTING(…, missing_ok) needs no exception handler and gives the same answers.

pgtrigger re-creates its function whenever a migration installs a trigger, so these definitions are
installed again after every `migrate` (post_migrate), when every trigger is in place.

Two changes more, for the application role that owns nothing (docs/security.md, "Database roles"):
`pgtrigger.ignore` is obeyed only for the owner, and a context row is inserted, never updated.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import pghistory
from django.db import connections

M = TypeVar("M")
P = ParamSpec("P")
R = TypeVar("R")


def tracked(*, exclude: tuple[str, ...] = (), bulk_inserts: bool = False) -> Callable[[M], M]:
    """`@pghistory.track` with every kind of change: insert, update and delete (the delete event keeps the
    row as it was). Every model that holds part of the record uses it, so no row leaves without a trace.

    `exclude` names fields that are not part of the record (a job's progress counter): they are left out
    of the events, and an update that changes only them records none.

    `bulk_inserts`: the insert event is recorded by a statement-level trigger (one `INSERT … SELECT` from
    the statement's transition table) instead of one trigger call per row: the same event rows, with one
    context for the statement. For models written in bulk (a round's 100,000 reviews), where the per-row
    trigger was most of the time (docs/scaling.md).
    """
    level = pghistory.Statement if bulk_inserts else None
    events = (pghistory.InsertEvent(level=level), pghistory.UpdateEvent(), pghistory.DeleteEvent())
    return pghistory.track(*events, exclude=list(exclude)) if exclude else pghistory.track(*events)


SQL = """
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN AS $$
    DECLARE
        _pgtrigger_ignore TEXT[] := NULLIF(CURRENT_SETTING('pgtrigger.ignore', TRUE), '')::TEXT[];
    BEGIN
        IF NOT COALESCE(trigger_name = ANY(_pgtrigger_ignore), FALSE) THEN
            RETURN FALSE;
        END IF;
        -- Any role may set a custom setting: only the owner of this function (the owner of the tables)
        -- or a superuser is obeyed. The application role's SET pgtrigger.ignore changes nothing.
        RETURN pg_has_role(
            SESSION_USER,
            (SELECT proowner FROM pg_proc WHERE oid = '"public"._pgtrigger_should_ignore(name)'::regprocedure),
            'MEMBER'
        );
    END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION _pgh_attach_context() RETURNS pghistory_context.id%TYPE AS $$
    DECLARE
        _pgh_context_id UUID := NULLIF(CURRENT_SETTING('pghistory.context_id', TRUE), '')::UUID;
        _pgh_context_metadata JSONB := NULLIF(CURRENT_SETTING('pghistory.context_metadata', TRUE), '')::JSONB;
        _pgh_recorded JSONB;
    BEGIN
        IF _pgh_context_id IS NULL OR _pgh_context_metadata IS NULL THEN
            RETURN NULL;
        END IF;
        -- A context row is written once and never changed (the application may not UPDATE it). When
        -- the metadata changes within one context (a nested pghistory.context), the new metadata gets a
        -- row of its own, whose id is derived from the context's id and the metadata: each event keeps
        -- the who and why that held when it was recorded.
        SELECT metadata INTO _pgh_recorded FROM pghistory_context WHERE id = _pgh_context_id;
        IF FOUND AND _pgh_recorded != _pgh_context_metadata THEN
            _pgh_context_id := md5(_pgh_context_id::TEXT || _pgh_context_metadata::TEXT)::UUID;
            SELECT metadata INTO _pgh_recorded FROM pghistory_context WHERE id = _pgh_context_id;
        END IF;
        IF NOT FOUND THEN
            INSERT INTO pghistory_context (id, metadata, created_at, updated_at)
                VALUES (_pgh_context_id, _pgh_context_metadata, NOW(), NOW())
                ON CONFLICT (id) DO NOTHING;
        END IF;
        RETURN _pgh_context_id;
    END;
$$ LANGUAGE plpgsql;
"""


def records_who(service: Callable[P, R]) -> Callable[P, R]:
    """A service's `by=` user is the "who" of every history event it causes, in a request or not (a task,
    the shell, a test). Inside a request the middleware's context names the same user.
    """

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        pk = getattr(kwargs.get("by"), "pk", None)
        who = {"user": pk} if pk is not None else {}
        with pghistory.context(**who):
            return service(*args, **kwargs)

    return wrapper


def install_functions(using: str = "default", **kwargs: Any) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(SQL)
