from django.apps import AppConfig


class PhuthangConfig(AppConfig):
    name = "phuthang"
    verbose_name = "phuthang"
