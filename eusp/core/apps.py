from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "eusp.core"
    label = "core"
