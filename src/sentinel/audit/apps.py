from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sentinel.audit"
    label = "audit"
    verbose_name = "Audit log"
