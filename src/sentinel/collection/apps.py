from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "sentinel.collection"
    label = "collection"
    verbose_name = "Collection"
