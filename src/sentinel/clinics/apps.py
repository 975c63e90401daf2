from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "sentinel.clinics"
    label = "clinics"
    verbose_name = "Clinics"
