from pathlib import Path

import yaml
from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "manifestations-nq04-xii.yaml"


def load(apps, schema_editor):
    """The 27 manifestations; an item whose wording the file does not confirm stays unconfirmed."""
    Manifestation = apps.get_model("reviews", "Manifestation")
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    for group in data["groups"]:
        for item in group["items"]:
            Manifestation.objects.update_or_create(
                code=str(item["code"]),
                defaults={
                    "group": str(group["code"]),
                    "group_title": group["title_vi"],
                    "text": item["text_vi"],
                    "short_label": item["short_vi"],
                    "gloss_en": item.get("gloss_en", ""),
                    "verified": bool(item.get("verified", False)),
                    "source_url": item.get("source_url") or "",
                },
            )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0003_reviews_shortcomings")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
