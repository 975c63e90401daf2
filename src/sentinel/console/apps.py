from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "sentinel.console"
    label = "console"
    verbose_name = "Operator console"
