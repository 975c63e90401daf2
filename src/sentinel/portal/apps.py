from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "sentinel.portal"
    label = "portal"
    verbose_name = "Portal"
