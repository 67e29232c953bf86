"""The reader side's rules about a league, a draft and a writeup, read from their rows (no
writes, no queries but a row's own settings): what the settings are when none were saved,
whether a writeup's comments are closed, whether a round is complete (its vote opens then).
Services and selectors both ask here."""

from datetime import timedelta

from django.utils import timezone

from draft.models import Draft, League
from reviews.models import DraftReaderSettings, LeagueReaderSettings, Writeup


def league_settings(league: League) -> LeagueReaderSettings:
    """The league's reader settings, or the defaults (unsaved) when it has none yet."""
    try:
        return league.reader_settings
    except LeagueReaderSettings.DoesNotExist:
        return LeagueReaderSettings(league=league)


def draft_settings(draft: Draft) -> DraftReaderSettings:
    try:
        return draft.reader_settings
    except DraftReaderSettings.DoesNotExist:
        return DraftReaderSettings(draft=draft)


def comments_are_closed(writeup: Writeup, settings_row: LeagueReaderSettings, now=None) -> bool:
    """Closed by hand, or automatically N days after publishing (a league setting)."""
    if writeup.comments_closed:
        return True
    days = settings_row.close_comments_after_days
    if days and writeup.published_at:
        return (now or timezone.now()) >= writeup.published_at + timedelta(days=days)
    return False


def round_is_complete(draft: Draft, *, picks_in_round: int, seats: int) -> bool:
    """Every seat has its pick of the round, or the draft is over (ended early, or a skipped
    pick never made up): a round's vote opens then, when its best pick can be judged."""
    return draft.status == Draft.Status.COMPLETE or (seats > 0 and picks_in_round >= seats)
