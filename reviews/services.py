"""Every write of the reader side. Each one checks who may do it and keeps its invariant under a
lock or a constraint; views turn the ValidationError they raise into a message."""

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from config import pictures
from config.inputs import parse_int
from draft.models import Draft, League, Membership, Pick, Seat
from draft.selectors import membership_for
from reviews import markdown
from reviews.models import (
    AddressTally,
    BloggerProfile,
    Comment,
    DraftReaderSettings,
    LeagueReaderSettings,
    Vote,
    Writeup,
)
from reviews.rules import comments_are_closed, draft_settings, round_is_complete

logger = logging.getLogger(__name__)

# --- Roles ------------------------------------------------------------------------------


def can_edit_writeup(pick: Pick, user, membership: Membership | None) -> bool:
    """The picker writes their pick up; a commissioner of the league may edit any writeup."""
    if membership is None or user is None or not user.is_authenticated:
        return False
    return membership.is_commissioner or pick.seat.user_id == user.pk


def can_moderate(writeup: Writeup | None, user, membership: Membership | None) -> bool:
    """Commissioners and the writeup's author approve, delete and close comments."""
    if writeup is None or user is None or not user.is_authenticated:
        return False
    if membership is not None and membership.is_commissioner:
        return True
    return writeup.author_id == user.pk


# --- Reader settings --------------------------------------------------------------------


@transaction.atomic
def update_reader_settings(
    *,
    draft: Draft,
    actor,
    moderate_first_comments: bool,
    close_comments_after_days: int | None,
    writeup_deadline: datetime | None,
    voting_open: bool,
) -> tuple[LeagueReaderSettings, DraftReaderSettings]:
    """Save the league's comment rules and the draft's deadline and voting switch."""
    membership = membership_for(draft.league, actor)
    if membership is None or not membership.is_commissioner:
        raise ValidationError("Only a commissioner of this league can change reader settings.")
    league_row, _ = LeagueReaderSettings.objects.update_or_create(
        league=draft.league,
        defaults={
            "moderate_first_comments": moderate_first_comments,
            "close_comments_after_days": close_comments_after_days,
        },
    )
    draft_row, _ = DraftReaderSettings.objects.update_or_create(
        draft=draft, defaults={"writeup_deadline": writeup_deadline, "voting_open": voting_open}
    )
    return league_row, draft_row


@transaction.atomic
def set_voting_open(*, draft: Draft, actor, value: bool) -> DraftReaderSettings:
    membership = membership_for(draft.league, actor)
    if membership is None or not membership.is_commissioner:
        raise ValidationError("Only a commissioner of this league can open or close voting.")
    row, _ = DraftReaderSettings.objects.update_or_create(
        draft=draft, defaults={"voting_open": value}
    )
    return row


def carry_reader_settings(*, last: Draft, draft: Draft, **signal) -> None:
    """The next season's draft gets last season's voting switch (draft.signals.
    next_season_started); the writeup deadline was a date of last season's and is not carried
    over."""
    voting_open = (
        DraftReaderSettings.objects.filter(draft=last).values_list("voting_open", flat=True).first()
    )
    if voting_open:
        DraftReaderSettings.objects.update_or_create(draft=draft, defaults={"voting_open": True})


# --- Writeups ---------------------------------------------------------------------------


@transaction.atomic
def save_writeup(*, pick: Pick, actor, body: str, publish: bool = False) -> Writeup:
    """Save the Markdown and its sanitised HTML; publish it if asked (the first publication
    sets the published time, later edits keep it). A published writeup stays published."""
    membership = membership_for(pick.draft.league, actor)
    if not can_edit_writeup(pick, actor, membership):
        raise ValidationError("Only the picker or a commissioner can write this pick up.")
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError("Write something first: the writeup is empty.")
    if len(body) > Writeup._meta.get_field("body").max_length:
        raise ValidationError("The writeup is too long (30,000 characters at most).")
    # Two tabs saving at once: the row lock makes the second wait and then overwrite, instead
    # of both inserting (the one-to-one on pick would refuse the second insert anyway).
    writeup = Writeup.objects.select_for_update().filter(pick=pick).first()
    if writeup is None:
        writeup = Writeup(pick=pick, author=pick.seat.user or actor)
    writeup.body = body
    writeup.body_html = markdown.render_markdown(body)
    writeup.last_edited_by = actor
    if publish and not writeup.is_published:
        writeup.status = Writeup.Status.PUBLISHED
        writeup.published_at = writeup.published_at or timezone.now()
    writeup.public_text = markdown.plain_text(writeup.body_html) if writeup.is_published else ""
    writeup.save()
    return writeup


def rerender_writeups(writeups=None, *, batch_size: int = 200) -> int:
    """Render every writeup's stored HTML again with the current rules (renderer, allowed image
    hosts); returns how many changed. `writeups` is a queryset, the historical model's in a
    migration. Each row is written with update_fields, so a concurrent edit of its body is not
    overwritten by an older body."""
    writeups = Writeup.objects.all() if writeups is None else writeups
    changed = []
    count = 0
    for writeup in writeups.only("id", "body", "body_html", "public_text", "status").iterator():
        try:
            html = markdown.render_markdown(writeup.body)
        except ValidationError:
            # Saved before today's limits (too much formatting to show): it keeps the HTML it
            # has, and its writer is told the limit at their next edit.
            logger.warning("Writeup %s is past the formatting limit; kept as it was", writeup.pk)
            continue
        public = markdown.plain_text(html) if writeup.status == Writeup.Status.PUBLISHED else ""
        if html != writeup.body_html or public != writeup.public_text:
            writeup.body_html, writeup.public_text = html, public
            changed.append(writeup)
        if len(changed) >= batch_size:
            writeups.model.objects.bulk_update(changed, ["body_html", "public_text"])
            count += len(changed)
            changed = []
    if changed:
        writeups.model.objects.bulk_update(changed, ["body_html", "public_text"])
        count += len(changed)
    return count


@transaction.atomic
def unpublish_writeup(*, writeup: Writeup, actor) -> Writeup:
    """Back to a draft: readers no longer see it; its comments are kept for a republish."""
    membership = membership_for(writeup.pick.draft.league, actor)
    if not can_edit_writeup(writeup.pick, actor, membership):
        raise ValidationError("Only the picker or a commissioner can unpublish this writeup.")
    writeup.status = Writeup.Status.DRAFT
    writeup.public_text = ""
    writeup.last_edited_by = actor
    writeup.save(update_fields=["status", "public_text", "last_edited_by", "updated_at"])
    return writeup


@transaction.atomic
def set_comments_closed(*, writeup: Writeup, actor, closed: bool) -> Writeup:
    membership = membership_for(writeup.pick.draft.league, actor)
    if not can_moderate(writeup, actor, membership):
        raise ValidationError("Only the writeup's author or a commissioner can do that.")
    writeup.comments_closed = closed
    writeup.save(update_fields=["comments_closed", "updated_at"])
    comments_changed(writeup_ids=[writeup.pk])  # the thread's "Reply" links come and go
    return writeup


def comments_changed(*, writeup_ids) -> None:
    """What these writeups' comment threads show has changed: their comments version goes up,
    so the next reader gets a thread rendered afresh, never the cached one (reviews/threads.py).
    Every write that changes a thread calls it in its own transaction."""
    Writeup.objects.filter(pk__in=writeup_ids).update(comments_version=F("comments_version") + 1)


# --- Comments ---------------------------------------------------------------------------


def ip_hash(ip: str) -> str:
    """A keyed hash of an address: enough to count a poster's comments, useless to anyone who
    reads the database without the secret key."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, (ip or "unknown").encode(), hashlib.sha256).hexdigest()


def lock_tally(scope: str, address: str) -> AddressTally:
    """The (scope, address) tally row, created if need be and locked until the transaction
    ends: a second request from the same address waits here, then sees what the first wrote.
    Call inside transaction.atomic."""
    AddressTally.objects.bulk_create(
        [AddressTally(scope=scope, address=address)], ignore_conflicts=True
    )
    return AddressTally.objects.select_for_update().get(scope=scope, address=address)


@dataclass(frozen=True)
class CommentInput:
    body: str
    name: str = ""
    email: str = ""
    url: str = ""
    parent_id: int | None = None


@transaction.atomic
def post_comment(
    *, writeup: Writeup, user, data: CommentInput, ip: str, settings_row: LeagueReaderSettings
) -> Comment:
    """Add a comment or a reply to a published writeup whose comments are open.

    Replies go one level deep: a reply to a reply is attached to its top-level comment. A poster
    who has already posted the rate limit's number of comments in its window is refused. When
    the league holds first-time commenters, a comment waits for moderation unless it comes from
    a signed-in reader with an approved comment in the league (readers without an account are
    always held); members of the league are never held. A reply to a held comment is held."""
    if not writeup.is_published:
        raise ValidationError("This writeup is not published.")
    if comments_are_closed(writeup, settings_row):
        raise ValidationError("Comments are closed on this writeup.", code="closed")
    body = data.body.replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError("The comment is empty.")
    count, seconds = settings.COMMENT_RATE_LIMIT
    hashed = ip_hash(ip)
    since = timezone.now() - timedelta(seconds=seconds)
    # Parallel posts from one address would each count the others' comments as not yet
    # there (6 accepted instead of 5): they queue on the address's row instead, held until
    # this comment is committed.
    lock_tally("comments", hashed)
    if Comment.objects.filter(ip_hash=hashed, created_at__gte=since).count() >= count:
        minutes = max(1, seconds // 60)
        raise ValidationError(
            f"You have posted {count} comments in the last {minutes} minutes. "
            "Please wait a little before posting again.",
            code="rate_limited",
        )
    parent = None
    if data.parent_id is not None:
        parent = (
            Comment.objects.filter(writeup=writeup, pk=data.parent_id)
            .exclude(status=Comment.Status.REMOVED)
            .first()
        )
        if parent is None:
            raise ValidationError("The comment you replied to is gone.")
        if parent.parent_id is not None:
            parent = Comment.objects.get(pk=parent.parent_id)
    league = writeup.pick.draft.league
    if user is not None and user.is_authenticated:
        profile = BloggerProfile.objects.filter(user=user).first()
        name = profile.name if profile else user.display_name
        email = user.email
        url = profile.blog_url if profile else ""
    else:
        user = None
        name, email, url = data.name.strip(), data.email.strip().lower(), data.url.strip()
        if not name:
            raise ValidationError("Please give a name to sign your comment with.")
    status = Comment.Status.VISIBLE
    if settings_row.moderate_first_comments and _is_first_timer(league, user):
        status = Comment.Status.HELD
    if parent is not None and parent.status == Comment.Status.HELD:
        # A reply to a held comment waits with it: showing the reply would show the thread.
        status = Comment.Status.HELD
    comment = Comment.objects.create(
        writeup=writeup,
        parent=parent,
        user=user,
        author_name=name[:60],
        author_email=email,
        author_url=url,
        body=body,
        body_html=markdown.render_comment(body),
        status=status,
        ip_hash=hashed,
    )
    comments_changed(writeup_ids=[writeup.pk])
    return comment


def _is_first_timer(league: League, user) -> bool:
    """Only a signed-in commenter can be known: an email address typed into the form is never
    verified, so anyone could borrow a trusted reader's. Members are never held."""
    if user is None:
        return True
    if Membership.objects.filter(league=league, user=user).exists():
        return False
    return not Comment.objects.filter(
        user=user, writeup__pick__draft__league=league, status=Comment.Status.VISIBLE
    ).exists()


def _moderated_comment(comment: Comment, actor) -> Comment:
    writeup = comment.writeup
    membership = membership_for(writeup.pick.draft.league, actor)
    if not can_moderate(writeup, actor, membership):
        raise ValidationError("Only the writeup's author or a commissioner can moderate comments.")
    return comment


@transaction.atomic
def approve_comment(*, comment: Comment, actor) -> Comment:
    _moderated_comment(comment, actor)
    if comment.status == Comment.Status.REMOVED:
        raise ValidationError("That comment was deleted.")
    comment.status = Comment.Status.VISIBLE
    comment.save(update_fields=["status"])
    comments_changed(writeup_ids=[comment.writeup_id])
    return comment


@transaction.atomic
def delete_comment(*, comment: Comment, actor) -> Comment:
    """Removed, not erased: its replies keep their place, under "Comment deleted"."""
    _moderated_comment(comment, actor)
    comment.status = Comment.Status.REMOVED
    comment.save(update_fields=["status"])
    comments_changed(writeup_ids=[comment.writeup_id])
    return comment


# --- Votes ------------------------------------------------------------------------------


def new_voter_token() -> str:
    return secrets.token_urlsafe(18)


def voter_key(user, anonymous_token: str | None) -> str | None:
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    if anonymous_token:
        return f"a:{anonymous_token}"
    return None


@transaction.atomic
def cast_vote(
    *, draft: Draft, question: str, choice_id: int | None, voter: str, user=None, ip: str = ""
) -> Vote:
    """Record or change a reader's answer while the commissioners keep voting open.

    One vote per (question, voter) is a database constraint; two clicks at once leave one vote,
    the last one written. Without an account a voter is only a cookie, so each address may cast
    at most settings.ANONYMOUS_VOTES_PER_ADDRESS new votes per question (changing a vote is
    free), counted on a locked row."""
    if not draft_settings(draft).voting_open:
        raise ValidationError("Voting is closed.")
    defaults = {"user": user if user is not None and user.is_authenticated else None}
    if question == Vote.DRAFT_QUESTION:
        seat = Seat.objects.filter(draft=draft, pk=choice_id).first()
        if seat is None:
            raise ValidationError("Choose one of the drafters.")
        defaults.update({"seat": seat, "pick": None})
    elif question.startswith("round-") and parse_int(question[6:]) is not None:
        round_number = parse_int(question[6:])
        pick = Pick.objects.filter(draft=draft, round=round_number, pk=choice_id).first()
        if pick is None:
            raise ValidationError("Choose one of the round's picks.")
        complete = round_is_complete(
            draft,
            picks_in_round=Pick.objects.filter(draft=draft, round=round_number).count(),
            seats=Seat.objects.filter(draft=draft).count(),
        )
        if not complete:
            raise ValidationError(
                f"Voting on round {round_number} opens when the round is complete."
            )
        defaults.update({"pick": pick, "seat": None})
    else:
        raise ValidationError("There is no such question.")
    anonymous = defaults["user"] is None
    if anonymous and not Vote.objects.filter(draft=draft, question=question, voter=voter).exists():
        tally = lock_tally(f"vote:{draft.pk}:{question}", ip_hash(ip))
        if tally.count >= settings.ANONYMOUS_VOTES_PER_ADDRESS:
            raise ValidationError(
                "Too many votes on this question have come from your network without an "
                "account. Log in to vote with your account.",
                code="rate_limited",
            )
        AddressTally.objects.filter(pk=tally.pk).update(count=F("count") + 1)
    try:
        with transaction.atomic():
            vote, _ = Vote.objects.update_or_create(
                draft=draft, question=question, voter=voter, defaults=defaults
            )
    except IntegrityError:
        # The same reader's other click inserted first: change that vote instead.
        vote = Vote.objects.get(draft=draft, question=question, voter=voter)
        for field, value in defaults.items():
            setattr(vote, field, value)
        vote.save()
    return vote


# --- Profiles ---------------------------------------------------------------------------

AVATAR = pictures.Shape(width=256, height=256, format="PNG", max_bytes=2 * 1024 * 1024)


def avatar_from_upload(upload) -> ContentFile:
    """An uploaded picture checked and re-encoded as a 256×256 PNG (config/pictures.py)."""
    return pictures.reencode(upload, AVATAR, code="avatar")


@transaction.atomic
def update_profile(
    *,
    user,
    display_name: str,
    blog_name: str,
    blog_url: str,
    bio: str,
    avatar=None,
    remove_avatar: bool = False,
) -> BloggerProfile:
    profile, _ = BloggerProfile.objects.select_for_update().get_or_create(user=user)
    profile.display_name = display_name.strip()
    profile.blog_name = blog_name.strip()
    profile.blog_url = blog_url.strip()
    profile.bio = bio.strip()
    old = profile.avatar.name if profile.avatar else ""
    if avatar is not None:
        content = avatar_from_upload(avatar)
        profile.avatar.save(f"{user.pk}-{secrets.token_hex(6)}.png", content, save=False)
    elif remove_avatar:
        profile.avatar = ""
    profile.full_clean()
    profile.save()
    if old != (profile.avatar.name if profile.avatar else ""):
        # Their comments show the avatar: those threads are rendered again.
        comments_changed(
            writeup_ids=Comment.objects.filter(user=user).values("writeup_id").distinct()
        )
        if old:
            storage = profile.avatar.storage
            transaction.on_commit(lambda: storage.delete(old))
    return profile
