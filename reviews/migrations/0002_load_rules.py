from pathlib import Path

import yaml
from django.db import migrations

RULES = Path(__file__).resolve().parent.parent / "data" / "rules.yaml"


def flatten(prefix, value):
    """Dicts become dotted keys; lists and scalars are values (rating levels stay one list)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from flatten(f"{prefix}.{key}" if prefix else key, inner)
    else:
        yield prefix, value


def load(apps, schema_editor):
    Rule = apps.get_model("reviews", "Rule")
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    for key, value in flatten("", data):
        Rule.objects.get_or_create(key=key, defaults={"value": value})


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_rules")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
