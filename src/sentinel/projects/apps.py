from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "sentinel.projects"
    label = "projects"
    verbose_name = "Projects"
