from django.apps import AppConfig


class CliConfig(AppConfig):
    name = "sentinel.cli"
    label = "cli"
    verbose_name = "Command line"
