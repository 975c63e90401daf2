from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "sentinel.jobs"
    label = "jobs"
    verbose_name = "Jobs"
