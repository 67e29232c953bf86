from django.contrib import admin

from reviews import services
from reviews.models import (
    BloggerProfile,
    Comment,
    DraftReaderSettings,
    LeagueReaderSettings,
    Vote,
    Writeup,
)


@admin.register(BloggerProfile)
class BloggerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "blog_name", "blog_url"]
    search_fields = ["user__username", "display_name", "blog_name"]


@admin.register(Writeup)
class WriteupAdmin(admin.ModelAdmin):
    list_display = ["pick", "author", "status", "published_at", "comments_closed"]
    list_filter = ["status", "comments_closed"]
    raw_id_fields = ["pick", "author", "last_edited_by"]
    readonly_fields = ["body_html", "public_text"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["author_name", "writeup", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["author_name", "author_email", "body"]
    raw_id_fields = ["writeup", "parent", "user"]

    # An edit here changes what the thread shows: readers get it rendered afresh.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.comments_changed(writeup_ids=[obj.writeup_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.comments_changed(writeup_ids=[obj.writeup_id])

    def delete_queryset(self, request, queryset):
        writeup_ids = list(queryset.values_list("writeup_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        services.comments_changed(writeup_ids=writeup_ids)


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["draft", "question", "pick", "seat", "voter", "updated_at"]
    raw_id_fields = ["draft", "pick", "seat", "user"]


admin.site.register(LeagueReaderSettings)
admin.site.register(DraftReaderSettings)
