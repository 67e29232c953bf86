from django.urls import path
from django.views.decorators.http import require_safe

from config.pagecache import for_readers
from reviews import feeds, site_views, views

app_name = "reviews"

PICK = "leagues/<slug:league>/<slug:draft>/round-<int:round>/pick-<int:pick>/"
DRAFT = "leagues/<slug:league>/<slug:draft>/"

urlpatterns = [
    path(PICK + "writeup/", views.writeup_edit, name="writeup_edit"),
    path(PICK + "writeup/preview/", views.writeup_preview, name="writeup_preview"),
    path(PICK + "writeup/unpublish/", views.writeup_unpublish, name="writeup_unpublish"),
    path(PICK + "comments/", views.comment_post, name="comment_post"),
    path(PICK + "comments/closed/", views.comments_toggle, name="comments_toggle"),
    path(
        PICK + "comments/<int:comment_id>/<slug:action>/",
        views.comment_moderate,
        name="comment_moderate",
    ),
    path(DRAFT + "recap/", views.recap, name="recap"),
    path(DRAFT + "category/<slug:category>/", views.category_page, name="category"),
    path(DRAFT + "reader-settings/", views.reader_settings, name="reader_settings"),
    path(DRAFT + "votes/voting/", views.voting_toggle, name="voting_toggle"),
    path(DRAFT + "votes/<slug:question>/", views.vote, name="vote"),
    path("leagues/<slug:league>/history/", site_views.league_history, name="history"),
    path("bloggers/<str:username>/", site_views.blogger, name="blogger"),
    path("comments/forget-me/", views.forget_commenter, name="forget_commenter"),
    path("search/", site_views.search, name="search"),
    # Feed readers GET (or HEAD); Django's Feed view would answer any method. A feed is kept
    # whole for readers like a page (config/pagecache.py).
    path("feeds/writeups.atom", for_readers(require_safe(feeds.WriteupFeed())), name="feed"),
    path(
        "feeds/leagues/<slug:league>.atom",
        for_readers(require_safe(feeds.LeagueFeed())),
        name="league_feed",
    ),
    path(
        "feeds/bloggers/<str:username>.atom",
        for_readers(require_safe(feeds.BloggerFeed())),
        name="blogger_feed",
    ),
]
