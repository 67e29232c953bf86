from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "results"
    verbose_name = "Results and stats"

    def ready(self):
        from draft.signals import catalog_ratings_changing
        from results.services.locking import lock_due_on_signal

        catalog_ratings_changing.connect(lock_due_on_signal, dispatch_uid="results-lock-due")
