from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "results"
    verbose_name = "Results and stats"

    def ready(self):
        from draft.signals import catalog_ratings_changing, draft_reopening
        from results.services.locking import lock_due_on_signal, refuse_reopening_while_locked

        catalog_ratings_changing.connect(lock_due_on_signal, dispatch_uid="results-lock-due")
        draft_reopening.connect(refuse_reopening_while_locked, dispatch_uid="results-keep-final")
