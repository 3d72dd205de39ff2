"""Attach the request's history context without a subtransaction per row.

django-pghistory's `_pgh_attach_context()` reads its settings inside BEGIN … EXCEPTION, which opens a
subtransaction for every row a history trigger records. In one transaction that writes many rows (a bulk
insert, `seed_demo --scale`), PostgreSQL then does work proportional to the queued trigger events at the end
of each subtransaction: the time grows with the square of the rows (seen: 170 attendance rows/s). Reading
the settings with CURRENT_SETTING(…, missing_ok) needs no exception handler, and records the same context.
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION _pgh_attach_context() RETURNS pghistory_context.id%TYPE AS $$
    DECLARE
        _pgh_context_id UUID := NULLIF(CURRENT_SETTING('pghistory.context_id', TRUE), '')::UUID;
        _pgh_context_metadata JSONB := NULLIF(CURRENT_SETTING('pghistory.context_metadata', TRUE), '')::JSONB;
    BEGIN
        IF _pgh_context_id IS NULL OR _pgh_context_metadata IS NULL THEN
            RETURN NULL;
        END IF;
        INSERT INTO pghistory_context (id, metadata, created_at, updated_at)
            VALUES (_pgh_context_id, _pgh_context_metadata, NOW(), NOW())
            ON CONFLICT (id) DO UPDATE
                SET metadata = EXCLUDED.metadata, updated_at = EXCLUDED.updated_at
                WHERE pghistory_context.metadata != EXCLUDED.metadata;
        RETURN _pgh_context_id;
    END;
$$ LANGUAGE plpgsql;
"""


def reinstall_original(apps, schema_editor):
    from pghistory.models import Context

    Context.install_pgh_attach_context_func(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("cells", "0003_history"), ("pghistory", "0007_auto_20250421_0444")]
    operations = [
        migrations.RunSQL(SQL, migrations.RunSQL.noop),
        migrations.RunPython(migrations.RunPython.noop, reinstall_original),
    ]
