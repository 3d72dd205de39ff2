from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate

from phuthang import db_roles, history


class PhuthangConfig(AppConfig):
    name = "phuthang"
    verbose_name = "phuthang"

    def ready(self) -> None:
        # Sent once every migration has run, pghistory's included (so the functions exist for every app).
        post_migrate.connect(
            history.install_functions,
            sender=apps.get_app_config("pghistory"),
            dispatch_uid="phuthang.history",
        )
        # After the functions: the application role gets its privileges on whatever migrate created.
        post_migrate.connect(
            db_roles.grant_after_migrate,
            sender=apps.get_app_config("pghistory"),
            dispatch_uid="phuthang.db_roles",
        )
