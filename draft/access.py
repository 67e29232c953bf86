"""Who may see and do what: the one place a league's or a draft's page is loaded for a viewer.

Outsiders of a private league get 404, the wrong role 403. A hidden thing and a missing one
raise the same Http404, message included: a 404 page that showed the message would otherwise
tell them apart. Every view that loads a league or a draft from its URL goes through here, the
live event stream included; an open stream is checked again by `recheck` whenever who may
watch changes, and every half minute besides (draft/stream.py).
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.sessions import signed_in_users
from draft import selectors
from draft.models import Draft, League, Membership, Pick


def may_view(*, is_public: bool, is_member: bool) -> bool:
    """The whole rule for seeing a league and its drafts: a public league is anyone's to
    watch and read, a private one its members' only."""
    return is_public or is_member


def membership_of_viewer(request, league: League) -> Membership | None:
    """The viewer's membership of `league` (None for a reader or an outsider). Where the page
    cache has read the access version for this request (config/dataversion.py: any write to
    users or memberships changes it), the answer is kept per version, so that fifty members
    loading the board after a pick do not each ask again."""
    user = request.user
    state = getattr(request, "page_access_state", None)
    if state is None or not user.is_authenticated:
        return selectors.membership_for(league, user)
    key = f"membership:{state}:{league.pk}:{user.pk}"
    kept = cache.get(key)
    if kept is None:
        kept = (selectors.membership_for(league, user),)
        cache.set(key, kept, settings.PAGE_CACHE_SECONDS)
    return kept[0]


def get_league_for_viewer(request, league_slug: str) -> tuple[League, Membership | None]:
    league = League.objects.filter(slug=league_slug).first()
    membership = membership_of_viewer(request, league) if league else None
    if league is None or not may_view(is_public=league.is_public, is_member=bool(membership)):
        raise Http404("No such league.")
    return league, membership


def get_draft_for_viewer(request, league_slug: str, draft_slug: str, *, load=None):
    """The draft at these slugs and the viewer's membership of its league; 404 for a missing
    draft and for one the viewer may not see. `load(league_slug, draft_slug)` reads the draft
    with what a page needs besides its league (the reader pages: reviews.selectors.load_draft);
    by default, the draft and its league."""
    if load is None:
        draft = (
            Draft.objects.select_related("league")
            .filter(league__slug=league_slug, slug=draft_slug)
            .first()
        )
    else:
        draft = load(league_slug, draft_slug)
    membership = membership_of_viewer(request, draft.league) if draft else None
    if draft is None or not may_view(is_public=draft.league.is_public, is_member=bool(membership)):
        raise Http404("No such draft.")
    return draft, membership


def require_commissioner(membership: Membership | None) -> Membership:
    if membership is None or not membership.is_commissioner:
        raise PermissionDenied("Only a commissioner of this league can do that.")
    return membership


def may_change_poster(user, movie) -> bool:
    """Who may attach a poster to a film or remove it: a member who drafted it, a
    commissioner of a league where it was drafted (neither having left it), and the site's staff. The catalog is every
    league's, so a commissioner cannot change the poster of a film their league has not drafted
    (anyone can start a league)."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    picks = Pick.objects.filter(movie=movie)
    return (
        picks.filter(seat__membership__user=user, seat__membership__left_at=None).exists()
        or picks.filter(
            draft__league__memberships__user=user,
            draft__league__memberships__is_commissioner=True,
            draft__league__memberships__left_at=None,
        ).exists()
    )


# --- Open streams: access that is checked again while they stay open --------------------


@dataclass(frozen=True)
class Watcher:
    """Who an open event stream was let in as: its draft, the session cookie it came with, the
    user that session was signed in as, and their role in the league (None: not a member)."""

    draft_id: int
    league_id: int
    session_key: str = ""
    user_id: int | None = None
    commissioner: bool | None = None

    @property
    def member(self) -> bool:
        return self.commissioner is not None


def watcher_for(request, draft: Draft, membership: Membership | None) -> Watcher:
    """The watcher a request that was let in with `membership` is, for the re-checks."""
    user_id = membership.user_id if membership is not None else None
    if user_id is None and request.user.is_authenticated:
        user_id = request.user.pk
    return Watcher(
        draft_id=draft.pk,
        league_id=draft.league_id,
        session_key=request.session.session_key or "",
        user_id=user_id,
        commissioner=membership.is_commissioner if membership is not None else None,
    )


class Verdict(Enum):
    SAME = "same"  # may still watch, as the same person in the same role
    CHANGED = "changed"  # may still watch, but signed in as someone else or in another role
    LOST = "lost"  # may no longer watch


def recheck(watchers: Iterable[Watcher]) -> dict[Watcher, tuple[Verdict, Watcher]]:
    """Whether each open stream may still watch its draft, decided exactly as `may_view`
    decides for a page, and who it watches as now. Four queries whatever the number of
    streams: drafts and their leagues, sessions, users, memberships."""
    watchers = set(watchers)
    if not watchers:
        return {}
    leagues = dict(
        Draft.objects.filter(pk__in={w.draft_id for w in watchers}).values_list(
            "pk", "league__is_public"
        )
    )
    signed_in = signed_in_users(w.session_key for w in watchers if w.session_key)
    roles = {
        (league_id, user_id): commissioner
        for league_id, user_id, commissioner in Membership.objects.filter(
            league_id__in={w.league_id for w in watchers},
            user_id__in=set(signed_in.values()),
        ).values_list("league_id", "user_id", "is_commissioner")
    }
    verdicts = {}
    for watcher in watchers:
        user_id = signed_in.get(watcher.session_key)
        now = replace(
            watcher, user_id=user_id, commissioner=roles.get((watcher.league_id, user_id))
        )
        if watcher.draft_id not in leagues or not may_view(
            is_public=leagues[watcher.draft_id], is_member=now.member
        ):
            verdicts[watcher] = (Verdict.LOST, now)
        elif now != watcher:
            verdicts[watcher] = (Verdict.CHANGED, now)
        else:
            verdicts[watcher] = (Verdict.SAME, now)
    return verdicts
