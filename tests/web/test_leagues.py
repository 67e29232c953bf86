"""Leagues: creating one, who sees which league, joining by invite link, commissioners, board
names, settings, new drafts, and what the league page costs in queries."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from draft import rules
from draft.models import Draft, League, Membership
from draft.services.leagues import remove_member
from draft.services.picks import make_pick
from draft.services.setup import open_season
from tests.draft.factories import four_by_three, make_league
from tests.mail import delivered
from tests.personas import PASSWORD
from tests.web.conftest import (
    HTMX,
    board_of,
    board_url,
    element,
    html_of,
    manage_url,
    sized_draft,
    text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hush(commissioner, member, other_member):
    """A private league: Carla (commissioner), Strange Dylan and Maya Reel."""
    return make_league(commissioner, [member, other_member], name="Hush", is_public=False)


def join_url(league, token=None) -> str:
    return reverse("draft:join", args=[league.slug, token or league.invite_token])


def league_url(league) -> str:
    return reverse("draft:league", args=[league.slug])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def is_member(league, user) -> bool:
    return Membership.objects.filter(league=league, user=user).exists()


# --- Creating and listing --------------------------------------------------------------------


def test_the_creator_of_a_league_is_its_commissioner(outsider, outsider_client):
    response = outsider_client.post(
        reverse("draft:league_new"),
        {"name": "Night Owls", "description": "Horror, only horror.", "is_public": "on"},
        follow=True,
    )

    assert response.redirect_chain == [("/leagues/night-owls/", 302)]
    assert messages_of(response) == ["Night Owls is ready. Invite your league with the link below."]
    page = text(response)
    assert "Night Owls" in page and "Horror, only horror." in page
    assert "Olaf Outside Commissioner (you)" in page
    league = League.objects.get(slug="night-owls")
    assert league.is_public
    assert Membership.objects.get(league=league).user == outsider
    assert Membership.objects.get(league=league).is_commissioner
    assert join_url(league) in html_of(response)  # the invite link, to share


def test_a_league_needs_a_name(outsider_client):
    response = outsider_client.post(reverse("draft:league_new"), {"name": ""})
    assert response.status_code == 200
    assert "This field is required." in text(response)
    assert not League.objects.exists()


def league_names(response, section_id: str) -> list[str]:
    section = element(response, section_id)
    return [unescape(name) for name in re.findall(r"<h3><a [^>]*>([^<]+)</a></h3>", section)]


def test_private_leagues_are_listed_to_their_members_only(
    hush, commissioner, client, outsider_client, member_client
):
    make_league(commissioner, name="Open House")

    reader = client.get(reverse("draft:leagues"))
    assert "Open House" in text(reader)
    assert "Hush" not in text(reader)

    outsider = outsider_client.get(reverse("draft:leagues"))
    assert "Open House" in text(outsider)
    assert "Hush" not in text(outsider)

    member = member_client.get(reverse("draft:leagues"))
    mine = text(member).split("Your leagues", 1)[1].split("Other public leagues", 1)[0]
    assert "Hush" in mine and "Private" in mine
    assert "Open House" not in mine
    assert "Open House" in text(member).split("Other public leagues", 1)[1]


# --- Joining by invite link ------------------------------------------------------------------


def test_a_reader_signs_up_from_the_invite_link_and_is_a_member_in_one_step(
    hush, client, django_user_model
):
    invite = client.get(join_url(hush))
    assert invite.status_code == 200
    assert "Join Hush" in text(invite)
    signup = re.search(r'href="([^"]+)">Sign up and join', html_of(invite))[1]
    signup = unescape(signup)
    assert signup.startswith(reverse("signup") + "?next=")
    assert f'value="{join_url(hush)}"' in html_of(client.get(signup))  # carried by the form

    joined = client.post(
        signup,
        {
            "username": "newbie",
            "name": "Nora  Newbie ",
            "email": "newbie@example.com",
            "password1": "a-fine-long-passphrase",
            "password2": "a-fine-long-passphrase",
            "next": join_url(hush),  # the hidden field the sign-up form carries
        },
        follow=True,
    )

    # No second "Join the league" press: the sign-up joined.
    assert joined.redirect_chain == [(league_url(hush), 302)]
    assert messages_of(joined) == ["Welcome to Moviedraft, Nora Newbie.", "Welcome to Hush!"]
    newbie = django_user_model.objects.get(username="newbie")
    assert Membership.objects.get(league=hush, user=newbie).display_name == "Nora Newbie"
    assert "Nora Newbie (you)" in text(joined)


def test_a_member_logs_in_from_the_invite_link_and_is_a_member_in_one_step(hush, client, outsider):
    login = re.search(r'href="([^"]+)">Log in and join', html_of(client.get(join_url(hush))))[1]

    joined = client.post(
        unescape(login),
        {"username": "olaf", "password": PASSWORD, "next": join_url(hush)},
        follow=True,
    )

    assert joined.redirect_chain == [(league_url(hush), 302)]
    assert messages_of(joined) == ["Welcome to Hush!"]
    assert Membership.objects.get(league=hush, user=outsider).display_name == "Olaf Outside"


def test_logging_in_from_an_old_invite_link_joins_nothing(hush, client, outsider):
    # A private league's old link looks exactly like a league that does not exist: it must
    # not tell an outsider that the league is there.
    old = join_url(hush, token="an-old-token")

    response = client.post(
        reverse("login"), {"username": "olaf", "password": PASSWORD, "next": old}, follow=True
    )

    assert response.redirect_chain == [(old, 302)]
    assert response.status_code == 404
    assert "Not found" in text(response)
    assert "Hush" not in text(response)
    assert not is_member(hush, outsider)


def test_an_old_invite_link_of_a_public_league_says_why(commissioner, client, outsider):
    public = make_league(commissioner, name="Open Doors")
    old = join_url(public, token="an-old-token")

    response = client.post(
        reverse("login"), {"username": "olaf", "password": PASSWORD, "next": old}, follow=True
    )

    assert response.status_code == 404
    assert "This invite link does not work" in text(response)
    assert not is_member(public, outsider)


def test_logging_in_elsewhere_joins_nothing(hush, client, outsider):
    response = client.post(
        reverse("login"), {"username": "olaf", "password": PASSWORD, "next": "/leagues/"}
    )
    assert response["Location"] == "/leagues/"
    assert not is_member(hush, outsider)


def test_a_signed_in_visitor_joins_with_one_click(hush, outsider, outsider_client):
    page = outsider_client.get(join_url(hush))
    assert "Join the league" in text(page)
    assert not is_member(hush, outsider)  # opening the link is not joining

    response = outsider_client.post(join_url(hush), {"token": hush.invite_token}, follow=True)

    assert response.redirect_chain == [(league_url(hush), 302)]
    assert messages_of(response) == ["Welcome to Hush!"]
    membership = Membership.objects.get(league=hush, user=outsider)
    assert (membership.display_name, membership.is_commissioner) == ("Olaf Outside", False)


def test_a_member_who_opens_the_invite_link_again_is_told_so(hush, member_client):
    response = member_client.get(join_url(hush), follow=True)
    assert response.redirect_chain == [(league_url(hush), 302)]
    assert messages_of(response) == ["You are already a member of Hush."]
    assert Membership.objects.filter(league=hush).count() == 3


def test_a_rotated_invite_link_stops_working(hush, outsider, outsider_client, commissioner_client):
    old = join_url(hush)
    response = commissioner_client.post(
        reverse("draft:rotate_invite", args=[hush.slug]), follow=True
    )
    assert messages_of(response) == ["New invite link made. The old link no longer works."]
    hush.refresh_from_db()
    assert join_url(hush) != old
    assert join_url(hush) in html_of(response)

    # Hush is private: to an outsider, an old link looks like a league that does not exist
    # (issue 9: a different page would confirm the private league's address).
    missing = outsider_client.get(reverse("draft:join", args=["no-such-league", "x"]))
    for attempt in (outsider_client.get(old), outsider_client.post(old, {"token": "whatever"})):
        assert attempt.status_code == 404
        assert "Hush" not in text(attempt) and text(attempt) == text(missing)
    assert not is_member(hush, outsider)
    assert outsider_client.get(join_url(hush)).status_code == 200


# --- Commissioners and names -----------------------------------------------------------------


def test_make_and_remove_a_commissioner(hush, member, commissioner_client):
    dylan = Membership.objects.get(league=hush, user=member)
    role_url = reverse("draft:member_role", args=[hush.slug, dylan.pk])

    response = commissioner_client.post(role_url, {"commissioner": "1"}, follow=True)
    assert messages_of(response) == ["Strange Dylan is now a commissioner."]
    assert "Strange Dylan Commissioner" in text(response)
    dylan.refresh_from_db()
    assert dylan.is_commissioner

    response = commissioner_client.post(role_url, {"commissioner": "0"}, follow=True)
    assert messages_of(response) == ["Strange Dylan is no longer a commissioner."]
    dylan.refresh_from_db()
    assert not dylan.is_commissioner


def test_the_last_commissioner_cannot_step_down(hush, commissioner, commissioner_client):
    carla = Membership.objects.get(league=hush, user=commissioner)
    response = commissioner_client.post(
        reverse("draft:member_role", args=[hush.slug, carla.pk]), {"commissioner": "0"}, follow=True
    )
    assert messages_of(response) == ["A league needs at least one commissioner."]
    carla.refresh_from_db()
    assert carla.is_commissioner


def test_a_new_board_name_shows_on_the_board_at_the_next_poll(
    commissioner, member, other_member, member_client, client
):
    setup = four_by_three(commissioner, [member, other_member], movies=0)
    old_version = setup.draft.version
    dylan = Membership.objects.get(league=setup.league, user=member)

    response = member_client.post(
        reverse("draft:member_rename", args=[setup.league.slug, dylan.pk]),
        {"display_name": "  Dylan the Strange "},
        follow=True,
    )

    assert messages_of(response) == ["Board name changed to Dylan the Strange."]
    poll = client.get(board_url(setup), {"v": old_version}, **HTMX)
    assert poll.status_code == 200
    board = text(board_of(poll))
    assert "Dylan the Strange" in board
    assert "Strange Dylan" not in board


def test_a_member_cannot_rename_someone_else(hush, member, other_member_client):
    dylan = Membership.objects.get(league=hush, user=member)
    response = other_member_client.post(
        reverse("draft:member_rename", args=[hush.slug, dylan.pk]),
        {"display_name": "Dull Dylan"},
        follow=True,
    )
    assert messages_of(response) == ["Only a commissioner of this league can do that."]
    dylan.refresh_from_db()
    assert dylan.display_name == "Strange Dylan"


def test_an_empty_board_name_is_refused(hush, member, member_client):
    dylan = Membership.objects.get(league=hush, user=member)
    response = member_client.post(
        reverse("draft:member_rename", args=[hush.slug, dylan.pk]),
        {"display_name": "   "},
        follow=True,
    )
    assert messages_of(response) == ["The name on the board cannot be empty."]
    dylan.refresh_from_db()
    assert dylan.display_name == "Strange Dylan"


# --- Settings and new drafts -----------------------------------------------------------------


def test_a_league_made_private_disappears_for_readers(commissioner, commissioner_client, client):
    league = make_league(commissioner, name="Open House")
    assert client.get(league_url(league)).status_code == 200

    response = commissioner_client.post(
        reverse("draft:league_settings", args=[league.slug]),
        {"name": "Closed House", "description": "", "time_zone": "Europe/Paris"},
        follow=True,
    )

    assert messages_of(response) == ["League settings saved."]
    assert "Closed House Private" in text(response)
    assert client.get(league_url(league)).status_code == 404


def test_a_new_draft_seats_every_member_and_opens_the_console(hush, commissioner_client):
    form = commissioner_client.get(reverse("draft:draft_new", args=[hush.slug]))
    members = list(Membership.objects.filter(league=hush).order_by("joined_at", "pk"))
    html = html_of(form)
    for m in members:  # everybody is ticked until the commissioner says otherwise
        assert re.search(rf'<input type="checkbox" name="seats" value="{m.pk}"[^>]* checked', html)

    response = commissioner_client.post(
        reverse("draft:draft_new", args=[hush.slug]),
        {
            "name": "2021 Movie Draft",
            "order": "snake",
            "category_mode": "per_round",
            "categories": "Romance/Holiday/Animation\n\nWildcard\n",
            "seats": [m.pk for m in members],
        },
        follow=True,
    )

    draft = Draft.objects.get(league=hush)
    assert response.redirect_chain == [(manage_url_for(draft), 302)]
    assert messages_of(response)[0].startswith("2021 Movie Draft created with 3 members seated.")
    page = text(response)
    assert "Round 1: Romance/Holiday/Animation" in page and "Round 2: Wildcard" in page
    assert draft.seats.count() == 3
    assert draft.status == Draft.Status.SETUP


def test_a_new_draft_seats_only_the_members_ticked(hush, commissioner_client):
    members = list(Membership.objects.filter(league=hush).order_by("joined_at", "pk"))
    left_out = members[1]
    commissioner_client.post(
        reverse("draft:draft_new", args=[hush.slug]),
        {
            "name": "Small Draft",
            "order": "snake",
            "category_mode": "per_round",
            "categories": "Wildcard",
            "seats": [m.pk for m in members if m != left_out],
        },
    )
    draft = Draft.objects.get(league=hush)
    seated = list(draft.seats.order_by("position").values_list("membership_id", flat=True))
    assert seated == [m.pk for m in members if m != left_out]


def test_rounds_in_per_round_mode_take_one_category_each_repeats_allowed(hush, commissioner_client):
    url = reverse("draft:draft_new", args=[hush.slug])
    data = {"name": "Long Draft", "order": "snake", "category_mode": "per_round", "rounds": "4"}

    response = commissioner_client.post(url, {**data, "categories": "Horror\nWildcard"})
    assert response.status_code == 200
    assert (
        "4 rounds need 4 categories, one a line; you listed 2 categories. A category can be "
        "listed again for another round." in text(response)
    )
    assert 'name="rounds" value="4"' in html_of(response)
    assert not Draft.objects.filter(league=hush).exists()

    commissioner_client.post(url, {**data, "categories": "Horror\nWildcard\nWildcard\nWildcard"})
    draft = Draft.objects.get(league=hush)
    assert list(draft.categories.order_by("position").values_list("name", flat=True)) == [
        "Horror",
        "Wildcard",
        "Wildcard",
        "Wildcard",
    ]


def test_rounds_in_open_slot_mode_are_the_categories_said_plainly(hush, commissioner_client):
    url = reverse("draft:draft_new", args=[hush.slug])
    form = commissioner_client.get(url)
    assert "Open slots: every member fills each category once, so there are as many rounds as " \
        "categories." in text(form)  # fmt: skip
    data = {"name": "Open Draft", "order": "snake", "category_mode": "open_slots"}

    response = commissioner_client.post(url, {**data, "rounds": "5", "categories": "A\nB\nC"})
    assert response.status_code == 200
    assert (
        "In open-slot mode there is one round per category: 3 categories make 3 rounds. Change "
        "the rounds to 3 or leave them empty." in text(response)
    )
    response = commissioner_client.post(url, {**data, "rounds": "3", "categories": "A\nB\nC"})
    assert response.status_code == 302


def manage_url_for(draft) -> str:
    return reverse("draft:manage", args=[draft.league.slug, draft.slug])


# --- Query count -----------------------------------------------------------------------------

# league · [session · user · membership] · its drafts · its members with their users
LEAGUE_PAGE_QUERIES = {"anonymous": 3, "member": 6}


@pytest.mark.parametrize("size", ["4x3", "16x20"])
@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_the_league_page_costs_the_same_queries_whatever_the_size(
    persona, size, commissioner, member, other_member, django_assert_num_queries
):
    setup, drafter = sized_draft(size, commissioner, member, other_member)
    Draft.objects.create(
        league=setup.league, season=open_season(setup.league), name="Last Year", slug="last-year"
    )
    client = Client()
    if persona == "member":
        client.force_login(drafter)

    with django_assert_num_queries(LEAGUE_PAGE_QUERIES[persona]):
        response = client.get(league_url(setup.league))

    assert response.status_code == 200
    page = text(response)
    assert f"Members ({len(setup.seats)})" in page
    assert "Last Year" in page and setup.draft.name in page
    assert manage_url(setup) not in html_of(response)  # the console link is for commissioners


# --- Leaving, and removing a member -----------------------------------------------------------


def remove_url(league, membership) -> str:
    return reverse("draft:member_remove", args=[league.slug, membership.pk])


def test_a_commissioner_removes_a_member_who_then_is_an_outsider(
    hush, commissioner, member, commissioner_client, member_client
):
    """Their seat in a draft not yet started goes (the order closes up); in a live draft
    their seat and picks stay under their name; the private league is 404 to them at once."""
    live = four_by_three(commissioner, [member], league=hush, name="Live Draft")
    setup = four_by_three(commissioner, [member], league=hush, name="Next Draft", start=False)
    dylan = Membership.objects.get(league=hush, user=member)
    page = commissioner_client.get(remove_url(hush, dylan))
    assert "Remove Strange Dylan from Hush?" in text(page)
    assert "Live Draft" in text(page)  # their picks stay there

    response = commissioner_client.post(remove_url(hush, dylan), follow=True)

    assert messages_of(response) == ["Strange Dylan is no longer in Hush."]
    assert f"Members ({Membership.objects.filter(league=hush).count()})" in text(response)
    assert 'class="member__name">Strange Dylan' not in html_of(response)
    assert not is_member(hush, member)
    assert member_client.get(league_url(hush)).status_code == 404
    assert member_client.get(board_url(live)).status_code == 404
    seats = list(setup.draft.seats.order_by("position").values_list("membership__user", "position"))
    assert member.pk not in [user for user, _ in seats]
    assert [position for _, position in seats] == [1, 2, 3]
    # On the live board the seat keeps its name.
    assert "Strange Dylan" in text(commissioner_client.get(board_url(live)))


def test_a_member_leaves_and_comes_back_with_the_invite(hush, member, member_client):
    dylan = Membership.objects.get(league=hush, user=member)
    response = member_client.post(remove_url(hush, dylan), follow=True)
    assert messages_of(response) == ["You have left Hush."]
    assert response.redirect_chain[-1][0] == reverse("draft:leagues")  # Hush is private
    assert member_client.get(league_url(hush)).status_code == 404

    member_client.post(join_url(hush), {"token": hush.invite_token})
    assert is_member(hush, member)
    assert Membership.objects.get(league=hush, user=member).pk == dylan.pk  # the same row


def test_the_last_commissioner_cannot_leave(hush, commissioner, commissioner_client):
    carla = Membership.objects.get(league=hush, user=commissioner)
    response = commissioner_client.post(remove_url(hush, carla))
    assert response.status_code == 200
    assert "A league needs at least one commissioner" in text(response)
    assert is_member(hush, commissioner)


def test_only_a_commissioner_removes_someone_else(
    hush, member, other_member, member_client, outsider_client
):
    maya = Membership.objects.get(league=hush, user=other_member)
    assert member_client.post(remove_url(hush, maya)).status_code == 403
    assert outsider_client.post(remove_url(hush, maya)).status_code == 404
    assert is_member(hush, other_member)


def test_a_member_who_left_gets_no_turn_mail(commissioner, member, other_member, mailoutbox):
    """Dylan (seat 1) left during the draft: his seat stays, a commissioner picks for it, and
    when it comes round again at 2.04 nobody mails him."""
    setup = four_by_three(commissioner, [member, other_member])
    remove_member(league=setup.league, actor=commissioner, membership=setup.seats[0].membership)
    delivered()
    mailoutbox.clear()
    for slot in range(1, 8):
        position = rules.seat_position_for(slot, 4, setup.draft.order)
        make_pick(
            draft_id=setup.draft.pk,
            user=commissioner,
            movie_id=setup.movies[slot].pk,
            expected_slot=slot,
            for_seat_id=setup.seats[position - 1].pk,
            override_rules=True,
        )
    mail = delivered()
    assert mail, "turn mail went to the others"
    assert member.email not in {address for message in mail for address in message.to}


# --- Seats that follow the league ------------------------------------------------------------


@pytest.fixture
def setting_up(commissioner, member, other_member, hush):
    """Hush with a draft being set up (the three members seated) and one already started."""
    started = four_by_three(commissioner, [member, other_member], league=hush, seats=3, name="Now")
    setup = four_by_three(
        commissioner, [member, other_member], league=hush, start=False, seats=3, name="Next"
    )
    return setup, started


def test_a_member_who_joins_takes_the_next_seat_of_a_draft_being_set_up(
    hush, setting_up, outsider, outsider_client
):
    setup, started = setting_up
    version = setup.refresh().version

    response = outsider_client.post(join_url(hush), {"token": hush.invite_token}, follow=True)

    assert messages_of(response) == ["Welcome to Hush! You have seat 4 in Next."]
    seat = setup.draft.seats.get(membership__user=outsider)
    assert seat.position == 4
    assert setup.refresh().version == version + 1
    event = setup.draft.events.order_by("-id").first()
    assert (event.summary, event.actor_id) == ("Olaf Outside given seat 4", outsider.pk)
    # A draft that has started keeps its order.
    assert not started.draft.seats.filter(membership__user=outsider).exists()


def test_with_seating_off_a_newcomer_is_told_who_gives_out_seats_and_the_console_lists_them(
    hush, setting_up, outsider, outsider_client, commissioner_client
):
    setup, _ = setting_up
    hush.seat_new_members = False
    hush.save(update_fields=["seat_new_members"])

    response = outsider_client.post(join_url(hush), {"token": hush.invite_token}, follow=True)

    assert messages_of(response) == [
        "Welcome to Hush! Next is being set up: a commissioner gives out its seats."
    ]
    assert not setup.draft.seats.filter(membership__user=outsider).exists()
    console = html_of(commissioner_client.get(manage_url(setup)))
    olaf = Membership.objects.get(league=hush, user=outsider)
    assert f'<option value="{olaf.pk}">Olaf Outside</option>' in console


def test_seat_all_seats_every_member_without_a_seat_by_name(
    hush, setting_up, outsider, commissioner_client, member_client
):
    from draft.services.leagues import join_league
    from tests.draft.factories import make_user

    setup, _ = setting_up
    hush.seat_new_members = False
    hush.save(update_fields=["seat_new_members"])
    zoe = make_user("zoe", "Zoe", "Abbott")
    for user in (outsider, zoe):
        join_league(user=user, league=hush, token=hush.invite_token)
    assert "Seat all 2 members without a seat" in text(commissioner_client.get(manage_url(setup)))
    url = reverse("draft:manage_action", args=[hush.slug, setup.draft.slug, "seat-all"])

    refused = member_client.post(url)
    assert refused.status_code in (403, 404)
    assert setup.draft.seats.count() == 3

    response = commissioner_client.post(url, follow=True)

    assert messages_of(response) == [
        "Olaf Outside and Zoe Abbott take seats at the end of the order."
    ]
    order = list(
        setup.draft.seats.order_by("position").values_list("membership__display_name", flat=True)
    )
    assert order[3:] == ["Olaf Outside", "Zoe Abbott"]
    again = commissioner_client.post(url, follow=True)
    assert "Every member of the league has a seat already." in text(again)
    assert setup.draft.seats.count() == 5


def test_the_league_settings_turn_seating_newcomers_off(hush, commissioner_client):
    url = reverse("draft:league_settings", args=[hush.slug])
    assert "Seat new members" in text(commissioner_client.get(url))
    response = commissioner_client.post(
        url, {"name": "Hush", "description": "", "time_zone": "UTC"}, follow=True
    )
    assert response.status_code == 200, text(response)
    hush.refresh_from_db()
    assert hush.seat_new_members is False


@pytest.mark.parametrize(("sent", "kept"), [("2", 2), ("", 3), ("51", 3), ("-1", 3)])
def test_the_league_settings_set_the_seasons_a_film_sits_out(hush, commissioner_client, sent, kept):
    League.objects.filter(pk=hush.pk).update(no_repeat_seasons=3)
    url = reverse("draft:league_settings", args=[hush.slug])
    assert "Seasons before a film may be drafted again" in text(commissioner_client.get(url))
    response = commissioner_client.post(
        url,
        {"name": "Hush", "description": "", "time_zone": "UTC", "no_repeat_seasons": sent},
        follow=True,
    )
    assert response.status_code == 200
    hush.refresh_from_db()
    assert hush.no_repeat_seasons == kept
    if sent in ("51", "-1"):
        assert "League settings saved." not in text(response)


def test_the_league_settings_turn_keepers_on(hush, commissioner_client):
    url = reverse("draft:league_settings", args=[hush.slug])
    form = {"name": "Hush", "description": "", "time_zone": "UTC"}
    saved = commissioner_client.post(
        url, {**form, "keepers_per_member": "2", "keepers_in_round_one": "on"}, follow=True
    )
    assert "League settings saved." in text(saved)
    hush.refresh_from_db()
    assert (hush.keepers_per_member, hush.keepers_in_round_one) == (2, True)
    refused = commissioner_client.post(url, {**form, "keepers_per_member": "11"}, follow=True)
    assert "League settings saved." not in text(refused)
    hush.refresh_from_db()
    assert hush.keepers_per_member == 2
