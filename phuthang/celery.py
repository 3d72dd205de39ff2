import os
from typing import Any

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phuthang.settings")

app = Celery("phuthang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _longer_statements(**kwargs: Any) -> None:
    """The worker's connections get the jobs' statement_timeout (settings: DATABASE_WORKER_STATEMENT_TIMEOUT),
    set before it opens any: connections read their options when they connect."""
    from django.conf import settings

    from phuthang.settings import statement_timeout_options

    statement_timeout_options(settings.DATABASES["default"], settings.DATABASE_WORKER_STATEMENT_TIMEOUT)
