import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phuthang.settings")

app = Celery("phuthang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
