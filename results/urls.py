from django.urls import path

from results.views import ratings, standings
from results.views import stats as stats_views

app_name = "results"

DRAFT = "leagues/<slug:league>/<slug:draft>/"

urlpatterns = [
    # Standings and their set-up (results/views/standings.py).
    path(DRAFT + "standings/", standings.standings, name="standings"),
    path(DRAFT + "standings/setup/", standings.setup, name="setup"),
    # A member's own film ratings, from their Letterboxd export (results/views/ratings.py).
    path("ratings/", ratings.ratings, name="ratings"),
    # Stats of a season and of a league's seasons (results/views/stats.py).
    path(DRAFT + "stats/", stats_views.draft_stats, name="draft_stats"),
    path("leagues/<slug:league>/stats/", stats_views.league_stats, name="league_stats"),
]
