from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sentinel.core"
    label = "core"
    verbose_name = "Core"
