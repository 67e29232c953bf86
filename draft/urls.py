from django.urls import path

from draft.views import (
    board,
    chat,
    console,
    keepers,
    leagues,
    movies,
    notifications,
    queue,
    records,
    seasons,
    trades,
)

app_name = "draft"

urlpatterns = [
    path("leagues/", leagues.league_list, name="leagues"),
    path("leagues/new/", leagues.league_new, name="league_new"),
    path("leagues/<slug:league>/", leagues.league_detail, name="league"),
    path("leagues/<slug:league>/settings/", leagues.league_settings, name="league_settings"),
    path(
        "leagues/<slug:league>/invite/rotate/", leagues.league_rotate_invite, name="rotate_invite"
    ),
    path(
        "leagues/<slug:league>/members/<int:member_id>/role/",
        leagues.league_member_role,
        name="member_role",
    ),
    path(
        "leagues/<slug:league>/members/<int:member_id>/name/",
        leagues.league_member_rename,
        name="member_rename",
    ),
    path(
        "leagues/<slug:league>/members/<int:member_id>/remove/",
        leagues.league_member_remove,
        name="member_remove",
    ),
    path("leagues/<slug:league>/join/<str:token>/", leagues.league_join, name="join"),
    path("leagues/<slug:league>/new-draft/", leagues.draft_new, name="draft_new"),
    path("leagues/<slug:league>/next-season/", seasons.season_next, name="season_next"),
    path("leagues/<slug:league>/<slug:draft>/", board.board, name="board"),
    path("leagues/<slug:league>/<slug:draft>/pick/", board.board_pick, name="pick_submit"),
    path("leagues/<slug:league>/<slug:draft>/events/", board.board_events, name="events"),
    path("leagues/<slug:league>/<slug:draft>/panel/", board.board_panel, name="board_panel"),
    path("leagues/<slug:league>/<slug:draft>/search/", board.board_search, name="search"),
    path("leagues/<slug:league>/<slug:draft>/manage/", console.manage, name="manage"),
    path(
        "leagues/<slug:league>/<slug:draft>/manage/live/",
        console.manage_live,
        name="manage_live",
    ),
    path(
        "leagues/<slug:league>/<slug:draft>/manage/<slug:action>/",
        console.manage_action,
        name="manage_action",
    ),
    path("leagues/<slug:league>/<slug:draft>/export.csv", records.export_csv, name="export_csv"),
    path("leagues/<slug:league>/<slug:draft>/export.json", records.export_json, name="export_json"),
    path("leagues/<slug:league>/<slug:draft>/log/", records.draft_log, name="log"),
    path("leagues/<slug:league>/<slug:draft>/chat/", chat.draft_chat, name="chat"),
    path(
        "leagues/<slug:league>/<slug:draft>/chat/<int:message_id>/delete/",
        chat.chat_delete,
        name="chat_delete",
    ),
    path("leagues/<slug:league>/<slug:draft>/keepers/", keepers.keepers, name="keepers"),
    path("leagues/<slug:league>/<slug:draft>/trades/", trades.trades, name="trades"),
    path(
        "leagues/<slug:league>/<slug:draft>/trades/<int:trade_id>/<slug:action>/",
        trades.trade_answer,
        name="trade_answer",
    ),
    path(
        "leagues/<slug:league>/<slug:draft>/keepers/<int:keeper_id>/<slug:action>/",
        keepers.keeper_review,
        name="keeper_review",
    ),
    path("leagues/<slug:league>/<slug:draft>/queue/", queue.queue, name="queue"),
    path(
        "leagues/<slug:league>/<slug:draft>/queue/<slug:action>/",
        queue.queue_action,
        name="queue_action",
    ),
    path("notifications/", notifications.notification_settings, name="notifications"),
    path("movies/new/", movies.movie_new, name="movie_new"),
    path("movies/<int:movie_id>/", movies.movie_detail, name="movie"),
    path("movies/<int:movie_id>/poster/", movies.movie_poster, name="movie_poster"),
]
