from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DraftConfig(AppConfig):
    name = "draft"

    def ready(self):
        from config import dataversion

        # After every migrate, each table pages show gets the trigger that versions them
        # (config/dataversion.py): a table a later migration adds is covered by itself.
        post_migrate.connect(dataversion.after_migrate, dispatch_uid="page-data-version")
