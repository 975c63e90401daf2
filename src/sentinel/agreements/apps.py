from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "sentinel.agreements"
    label = "agreements"
    verbose_name = "Agreements"
