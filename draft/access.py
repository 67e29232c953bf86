"""Who may see and do what: the one place a league's or a draft's page is loaded for a viewer.

Outsiders of a private league get 404, the wrong role 403. A hidden thing and a missing one
raise the same Http404, message included: a 404 page that showed the message would otherwise
tell them apart. Every view that loads a league or a draft from its URL goes through here, the
live event stream included.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from draft import selectors
from draft.models import Draft, League, Membership


def get_league_for_viewer(request, league_slug: str) -> tuple[League, Membership | None]:
    league = League.objects.filter(slug=league_slug).first()
    membership = selectors.membership_for(league, request.user) if league else None
    if league is None or (not league.is_public and membership is None):
        raise Http404("No such league.")
    return league, membership


def get_draft_for_viewer(request, league_slug: str, draft_slug: str):
    draft = (
        Draft.objects.select_related("league")
        .filter(league__slug=league_slug, slug=draft_slug)
        .first()
    )
    membership = selectors.membership_for(draft.league, request.user) if draft else None
    if draft is None or (not draft.league.is_public and membership is None):
        raise Http404("No such draft.")
    return draft, membership


def require_commissioner(membership: Membership | None) -> Membership:
    if membership is None or not membership.is_commissioner:
        raise PermissionDenied("Only a commissioner of this league can do that.")
    return membership
