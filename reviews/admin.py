from django.contrib import admin

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


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["draft", "question", "pick", "seat", "voter", "updated_at"]
    raw_id_fields = ["draft", "pick", "seat", "user"]


admin.site.register(LeagueReaderSettings)
admin.site.register(DraftReaderSettings)
