"""The reminder rules (staff-editable Rule rows) and the beat schedule (django-celery-beat, editable in
the admin). Every kind takes effect from the day this migration runs, so a new deployment never mails
about months or weeks that passed before it.
"""

import json

from django.db import migrations
from django.utils import timezone

RULES = {
    "reminders.oversight.day": (1, "Day of the month the monthly oversight reminder goes out (1–28)."),
    "reminders.minutes_late.secretary_day": (
        5,
        "Day of the next month after which unfinalised minutes are reminded to the cell secretary.",
    ),
    "reminders.minutes_late.overseer_day": (10, "Day of the next month after which the overseer is told too."),
    "reminders.remediation.weekday": (1, "Weekday of the remediation reminder (1 = Monday … 7 = Sunday)."),
    "reminders.remediation.due_within_days": (7, "Remind of remediation due within this many days."),
    "reminders.remediation.overdue_weeks_max": (8, "Remind of an overdue item weekly for at most this many weeks."),
    "reminders.overdue_digest.weekday": (1, "Weekday of UBKT's overdue digest (1 = Monday … 7 = Sunday)."),
}
KINDS = ["oversight", "minutes_late", "remediation", "overdue_digest"]

# name → (task, minutes between runs, description)
SCHEDULE = {
    "Plan reminders": ("reviews.tasks.plan_reminders", 5, "Every 5 minutes: insert the reminders due today."),
    "Send reminders": ("reviews.tasks.send_reminders", 1, "Every minute: send due reminder emails and retries."),
}


def load(apps, schema_editor):
    Rule = apps.get_model("reviews", "Rule")
    today = timezone.localdate().isoformat()
    for key, (value, note) in RULES.items():
        Rule.objects.get_or_create(key=key, defaults={"value": value, "note": note})
    for kind in KINDS:
        Rule.objects.get_or_create(
            key=f"reminders.{kind}.effective_from",
            defaults={"value": today, "note": "Occasions before this date (YYYY-MM-DD) are never reminded."},
        )
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, minutes, description) in SCHEDULE.items():
        every, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={"task": task, "interval": every, "description": description, "args": json.dumps([])},
        )


def unload(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=list(SCHEDULE)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0006_reminders"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(load, unload)]
