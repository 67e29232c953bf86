from django.apps import AppConfig


class DraftConfig(AppConfig):
    name = "draft"
