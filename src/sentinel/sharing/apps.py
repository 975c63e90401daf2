from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sentinel.sharing"
    label = "sharing"
    verbose_name = "Data sharing and retention"
