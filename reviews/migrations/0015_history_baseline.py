"""The rows that existed before their model was tracked get one "snapshot" event each (the state when
recording began), so the first change to them shows a before and an after (the cap 0.2 → 0.9)."""

from django.db import migrations

NEWLY_TRACKED = ["Rule", "Manifestation", "ReviewRound", "RemediationUpdate"]


def snapshot(apps, schema_editor):
    for name in NEWLY_TRACKED:
        model = apps.get_model("reviews", name)
        event = apps.get_model("reviews", f"{name}Event")
        columns = [f.attname for f in model._meta.concrete_fields]
        rows = model.objects.values_list(*columns)
        event.objects.bulk_create(
            (
                event(pgh_label="snapshot", pgh_obj_id=dict(zip(columns, row))["id"], **dict(zip(columns, row)))
                for row in rows.iterator(chunk_size=5000)
            ),
            batch_size=5000,
        )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0014_record_everything_protect_users")]

    operations = [migrations.RunPython(snapshot, migrations.RunPython.noop)]
