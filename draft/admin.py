"""The site operator's view of the draft data. Films can be corrected here; leagues, drafts and
the log are shown read-only: a draft changes only through its services, which keep the
board's rules and log every change."""

from django.contrib import admin

from draft.models import Draft, DraftEvent, League, Movie
from draft.services.movies import film_changed


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "runtime", "imdb_id"]
    search_fields = ["title", "search_title", "imdb_id"]
    # An uploaded poster is checked and re-encoded on the film's poster page
    # (/movies/<id>/poster/, open to staff), never stored as uploaded here.
    readonly_fields = ["search_title", "poster", "added_by", "created_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            # Boards showing the film show its new title on their next request.
            film_changed(movie=obj)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(League)
class LeagueAdmin(ReadOnly):
    list_display = ["name", "slug", "is_public", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(Draft)
class DraftAdmin(ReadOnly):
    list_display = ["name", "league", "status", "version", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "league__name"]


@admin.register(DraftEvent)
class DraftEventAdmin(ReadOnly):
    list_display = ["created_at", "draft", "kind", "summary"]
    list_filter = ["kind"]
    search_fields = ["summary"]
