from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sentinel.demo"
    label = "demo"
    verbose_name = "Demo"
