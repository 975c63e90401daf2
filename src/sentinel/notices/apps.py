from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "sentinel.notices"
    label = "notices"
    verbose_name = "Notices"
