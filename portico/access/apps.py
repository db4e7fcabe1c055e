from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "portico.access"
    label = "access"
