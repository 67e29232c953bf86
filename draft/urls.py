from django.urls import path

from draft import views

app_name = "draft"

urlpatterns = [
    path("leagues/", views.league_list, name="leagues"),
    path("leagues/new/", views.league_new, name="league_new"),
    path("leagues/<slug:league>/", views.league_detail, name="league"),
    path("leagues/<slug:league>/settings/", views.league_settings, name="league_settings"),
    path("leagues/<slug:league>/invite/rotate/", views.league_rotate_invite, name="rotate_invite"),
    path(
        "leagues/<slug:league>/members/<int:member_id>/role/",
        views.league_member_role,
        name="member_role",
    ),
    path(
        "leagues/<slug:league>/members/<int:member_id>/name/",
        views.league_member_rename,
        name="member_rename",
    ),
    path(
        "leagues/<slug:league>/members/<int:member_id>/remove/",
        views.league_member_remove,
        name="member_remove",
    ),
    path("leagues/<slug:league>/join/<str:token>/", views.league_join, name="join"),
    path("leagues/<slug:league>/new-draft/", views.draft_new, name="draft_new"),
    path("leagues/<slug:league>/<slug:draft>/", views.board, name="board"),
    path("leagues/<slug:league>/<slug:draft>/pick/", views.board_pick, name="pick_submit"),
    path("leagues/<slug:league>/<slug:draft>/events/", views.board_events, name="events"),
    path("leagues/<slug:league>/<slug:draft>/panel/", views.board_panel, name="board_panel"),
    path("leagues/<slug:league>/<slug:draft>/search/", views.board_search, name="search"),
    path("leagues/<slug:league>/<slug:draft>/manage/", views.manage, name="manage"),
    path(
        "leagues/<slug:league>/<slug:draft>/manage/live/",
        views.manage_live,
        name="manage_live",
    ),
    path(
        "leagues/<slug:league>/<slug:draft>/manage/<slug:action>/",
        views.manage_action,
        name="manage_action",
    ),
    path("leagues/<slug:league>/<slug:draft>/export.csv", views.export_csv, name="export_csv"),
    path("leagues/<slug:league>/<slug:draft>/export.json", views.export_json, name="export_json"),
    path("leagues/<slug:league>/<slug:draft>/log/", views.draft_log, name="log"),
    path("leagues/<slug:league>/<slug:draft>/chat/", views.draft_chat, name="chat"),
    path(
        "leagues/<slug:league>/<slug:draft>/chat/<int:message_id>/delete/",
        views.chat_delete,
        name="chat_delete",
    ),
    path("leagues/<slug:league>/<slug:draft>/queue/", views.queue, name="queue"),
    path(
        "leagues/<slug:league>/<slug:draft>/queue/<slug:action>/",
        views.queue_action,
        name="queue_action",
    ),
    path("notifications/", views.notification_settings, name="notifications"),
    path("movies/new/", views.movie_new, name="movie_new"),
    path("movies/<int:movie_id>/", views.movie_detail, name="movie"),
]
