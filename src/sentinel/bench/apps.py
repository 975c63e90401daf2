from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "sentinel.bench"
    label = "bench"
    verbose_name = "Benchmarks"
