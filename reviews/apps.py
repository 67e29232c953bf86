from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self):
        from draft.signals import next_season_started
        from reviews.services import carry_reader_settings

        next_season_started.connect(carry_reader_settings, dispatch_uid="reviews-next-season")
