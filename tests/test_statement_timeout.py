"""Web requests' database statements are cut off at DATABASE_STATEMENT_TIMEOUT (the worker's longer one:
tests/integration/test_jobs_celery.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections


def test_the_applications_connection_carries_the_web_statement_timeout(db):
    # the suite itself connects with the owner's options (tests/conftest.py): open one as the app does
    app = connections.create_connection(DEFAULT_DB_ALIAS)
    app.settings_dict = {**connection.settings_dict, "OPTIONS": settings.DATABASE_APP["OPTIONS"]}
    try:
        with app.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            shown = cursor.fetchone()[0]
    finally:
        app.close()
    assert shown == f"{settings.DATABASE_STATEMENT_TIMEOUT}s"


def test_the_owners_connection_has_no_statement_timeout():
    assert "statement_timeout" not in str(settings.DATABASE_OWNER["OPTIONS"].get("options", ""))
