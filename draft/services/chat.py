"""The draft-room chat: posting a line (within its limit) and a commissioner deleting one."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from draft import bus, selectors
from draft import chat as chat_rules
from draft.models import ChatMessage, ChatPoster, Draft


@transaction.atomic
def post_chat_message(*, draft: Draft, user, text: str) -> ChatMessage:
    """Post `text` in the draft's chat as `user` and return the message.

    Members post, and signed-in readers of a public league that lets them (chat.post_refusal).
    The text is kept as one line of plain text, at most ChatMessage.MAX_LENGTH characters. A
    poster sends at most CHAT_RATE_LIMIT's count of messages in its window of seconds; the
    same text again right after (a double click, a form sent twice) returns the first message
    instead of a copy. Refusals are ValidationErrors with a code: "forbidden", "empty",
    "too_long", "rate_limited".

    No draft lock: a message changes nothing a draft writer reads, and its foreign key to the
    draft needs only the KEY SHARE lock that the writers' FOR NO KEY UPDATE leaves free, so the
    chat never waits for the board nor the board for the chat. The one lock is the poster's
    ChatPoster row, which no draft writer takes: no lock order to break."""
    membership = selectors.membership_for(draft.league, user)
    refusal = chat_rules.post_refusal(draft.league, user, membership)
    if refusal:
        raise ValidationError(refusal, code="forbidden")
    text = chat_rules.clean_text(text)
    if not text:
        raise ValidationError("Write a message first.", code="empty")
    if len(text) > ChatMessage.MAX_LENGTH:
        raise ValidationError(
            f"A chat message is at most {ChatMessage.MAX_LENGTH} characters "
            f"(this one has {len(text)}).",
            code="too_long",
        )
    count, seconds = settings.CHAT_RATE_LIMIT
    # Parallel posts of one poster would each count the others' messages as not there yet and
    # all get through: they queue on the poster's row instead, each counting once the one
    # before it has committed (a new statement sees it, in READ COMMITTED).
    ChatPoster.objects.bulk_create([ChatPoster(draft=draft, user=user)], ignore_conflicts=True)
    ChatPoster.objects.select_for_update().get(draft=draft, user=user)
    now = timezone.now()
    recent = list(
        ChatMessage.objects.filter(
            draft=draft, author=user, created_at__gt=now - timedelta(seconds=seconds)
        ).order_by("-created_at", "-id")[:count]
    )
    if recent and recent[0].text == text and not recent[0].is_deleted:
        return recent[0]
    if len(recent) >= count:
        raise ValidationError("You're posting fast — wait a few seconds.", code="rate_limited")
    name = membership.display_name if membership is not None else user.display_name
    message = ChatMessage.objects.create(
        draft=draft,
        author=user,
        author_name=name[: ChatMessage._meta.get_field("author_name").max_length],
        text=text,
        created_at=now,
    )
    bus.chat_changed(draft.pk, message.pk)
    return message


def delete_chat_message(*, draft: Draft, actor, message_id: int | None) -> ChatMessage:
    """Hide a message from everyone: a commissioner's call. The row stays, with who deleted it
    and when; deleting it again changes nothing, so the first delete's record stands (the
    UPDATE only touches a row that is not deleted yet, which needs no lock)."""
    if not chat_rules.may_delete(selectors.membership_for(draft.league, actor)):
        raise ValidationError(
            "Only a commissioner of this league can delete chat messages.", code="forbidden"
        )
    message = ChatMessage.objects.filter(draft=draft, pk=message_id).first()
    if message is None:
        raise ValidationError("That message is not in this chat.", code="missing")
    deleted = ChatMessage.objects.filter(pk=message.pk, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), deleted_by=actor
    )
    if deleted:
        bus.chat_changed(draft.pk, message.pk, deleted=True)
    message.refresh_from_db(fields=["deleted_at", "deleted_by"])
    return message
