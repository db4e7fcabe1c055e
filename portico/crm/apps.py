from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "portico.crm"
    label = "crm"
