from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config import media, views
from reviews import site_views
from reviews import views as reviews_views

urlpatterns = [
    path("", reviews_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/profile/", site_views.profile_edit, name="profile_edit"),
    path("accounts/", include("accounts.urls")),
    # The pick page belongs to reviews (writeup, comments, votes), which builds on the draft.
    path(
        "leagues/<slug:league>/<slug:draft>/round-<int:round>/pick-<int:pick>/",
        reviews_views.pick_page,
        name="pick",
    ),
    # Reader pages (recap, category, votes, writeups, comments, bloggers, search, feeds) use
    # words no draft URL uses; they come first so none of them can be read as a draft slug.
    path("", include("reviews.urls")),
    # Results, standings and stats (and a league's stats page, whose word no draft slug takes).
    path("", include("results.urls")),
    path("", include("draft.urls")),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    # Uploaded pictures (avatars, posters), with DEBUG on or off (config/media.py); off when shared storage serves them.
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media.serve, name="media")
    )

# A lost database connection anywhere in a request answers 503 (see config.errors).
handler500 = "config.errors.server_error"
