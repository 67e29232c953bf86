"""Readers' comments: posting with and without an account, replies one level deep, closed
threads, auto-close, moderation, the honeypot and the rate limit."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from config import proxies
from reviews import services
from reviews.models import Comment, LeagueReaderSettings, Writeup

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def comment_url(pick, suffix=""):
    d = pick.draft
    return (
        reverse(
            "reviews:comment_post", args=[d.league.slug, d.slug, pick.round, pick.pick_in_round]
        )
        + suffix
    )


def moderate_url(pick, comment, action):
    d = pick.draft
    return reverse(
        "reviews:comment_moderate",
        args=[d.league.slug, d.slug, pick.round, pick.pick_in_round, comment.pk, action],
    )


def toggle_url(pick):
    d = pick.draft
    return reverse(
        "reviews:comments_toggle", args=[d.league.slug, d.slug, pick.round, pick.pick_in_round]
    )


def anon(**extra):
    data = {
        "body": "What a pick. I watched it twice.",
        "name": "Rita Reader",
        "email": "Rita@Example.com",
        "website": "https://rita.example",
    }
    data.update(extra)
    return data


def post(client, pick, data, ip="10.0.0.1"):
    return client.post(comment_url(pick), data, REMOTE_ADDR=ip)


def test_a_reader_without_an_account_comments(client, published, dylans_pick):
    response = post(client, dylans_pick, anon())
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    assert comment.status == Comment.Status.VISIBLE and comment.user is None
    assert comment.author_email == "rita@example.com"
    page = client.get(dylans_pick.get_absolute_url()).content.decode()
    assert "What a pick. I watched it twice." in page
    assert 'href="https://rita.example" rel="nofollow ugc noopener"' in page
    # The email is never shown.
    assert "rita@example.com" not in page.lower()
    assert "1 comment" in page


def test_anonymous_readers_must_give_a_name_and_an_email(client, published, dylans_pick):
    response = post(client, dylans_pick, anon(name="", email=""))
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_website_must_be_a_web_address(client, published, dylans_pick):
    response = post(client, dylans_pick, anon(website="javascript:alert(1)"))
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_a_signed_in_reader_comments_under_their_name(outsider_client, published, dylans_pick):
    page = outsider_client.get(dylans_pick.get_absolute_url()).content.decode()
    assert "Commenting as" in page and 'name="email"' not in page
    response = post(outsider_client, dylans_pick, {"body": "Signed in and agreeing."})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.user.username == "olaf" and comment.author_name == "Olaf Outside"


def test_length_limits(client, published, dylans_pick):
    response = post(client, dylans_pick, anon(body="x" * 3001))
    assert response.status_code == 400
    assert "The comment is too long: 3,000 characters at most (this one has 3001)." in (
        response.content.decode()
    )
    assert post(client, dylans_pick, anon(name="n" * 61)).status_code == 400
    assert not Comment.objects.exists()


def test_hostile_comment_text_is_shown_as_text(client, published, dylans_pick):
    post(client, dylans_pick, anon(body='<script>alert("x")</script><img src=x onerror=alert(1)>'))
    page = client.get(dylans_pick.get_absolute_url()).content.decode()
    assert "&lt;script&gt;" in page
    assert '<script>alert("x")' not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_honeypot_swallows_bots_silently(client, published, dylans_pick):
    response = post(client, dylans_pick, anon(nickname="I am a bot"))
    assert response.status_code == 302  # looks like success to the bot
    assert not Comment.objects.exists()


def test_replies_go_one_level_deep(client, published, dylans_pick):
    post(client, dylans_pick, anon(body="Top level"))
    top = Comment.objects.get()
    post(client, dylans_pick, anon(body="A reply", parent=top.pk))
    reply = Comment.objects.get(body="A reply")
    assert reply.parent_id == top.pk
    # A reply to a reply joins the same thread, under the top-level comment.
    post(client, dylans_pick, anon(body="A reply to the reply", parent=reply.pk))
    deeper = Comment.objects.get(body="A reply to the reply")
    assert deeper.parent_id == top.pk
    page = client.get(dylans_pick.get_absolute_url()).content.decode()
    thread = page.split('class="replies"')[1].split("</ol>")[0]
    assert "A reply" in thread and "A reply to the reply" in thread
    # Replies have no Reply link of their own.
    assert f"?reply={reply.pk}" not in page and f"?reply={top.pk}" in page


def test_the_reply_link_works_without_javascript(client, published, dylans_pick):
    post(client, dylans_pick, anon(body="Top level"))
    top = Comment.objects.get()
    page = client.get(dylans_pick.get_absolute_url() + f"?reply={top.pk}").content.decode()
    assert "Reply to Rita Reader" in page
    assert f'name="parent" value="{top.pk}"' in page


def test_replying_to_a_comment_of_another_writeup_is_refused(
    client, published, dylans_pick, league_setup, other_member
):
    other_pick = league_setup.picks[1]
    services.save_writeup(pick=other_pick, actor=other_member, body="Maya's", publish=True)
    post(client, other_pick, anon(body="On Maya's"))
    foreign = Comment.objects.get()
    response = post(client, dylans_pick, anon(body="sneaky", parent=foreign.pk))
    assert response.status_code == 400
    assert "The comment you replied to is gone." in response.content.decode()


def test_threads_run_oldest_first_with_newest_threads_last(client, published, dylans_pick):
    with time_machine.travel(T0, tick=False):
        post(client, dylans_pick, anon(body="First thread"))
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        post(client, dylans_pick, anon(body="Second thread"))
    page = client.get(dylans_pick.get_absolute_url()).content.decode()
    assert page.index("First thread") < page.index("Second thread")


def test_no_comments_on_an_unpublished_writeup(client, member, dylans_pick):
    services.save_writeup(pick=dylans_pick, actor=member, body="draft only")
    assert post(client, dylans_pick, anon()).status_code == 404
    assert not Comment.objects.exists()


# --- Closing -----------------------------------------------------------------------------


def test_the_author_closes_comments_and_the_page_says_so(
    member_client, client, published, dylans_pick
):
    response = member_client.post(toggle_url(dylans_pick), {"closed": "1"})
    assert response.status_code == 302
    page = client.get(dylans_pick.get_absolute_url()).content.decode()
    assert "Comments are closed." in page
    assert 'id="comment-form"' not in page
    response = post(client, dylans_pick, anon())
    assert response.status_code == 403
    assert "Comments are closed on this writeup." in response.content.decode()
    assert not Comment.objects.exists()
    # And reopens them.
    member_client.post(toggle_url(dylans_pick), {"closed": "0"})
    assert post(client, dylans_pick, anon()).status_code == 302


def test_a_commissioner_closes_comments_but_other_members_cannot(
    commissioner_client, other_member_client, client, published, dylans_pick
):
    assert other_member_client.post(toggle_url(dylans_pick), {"closed": "1"}).status_code == 403
    assert client.post(toggle_url(dylans_pick), {"closed": "1"}).status_code == 302  # login
    published.refresh_from_db()
    assert not published.comments_closed
    assert commissioner_client.post(toggle_url(dylans_pick), {"closed": "1"}).status_code == 302
    published.refresh_from_db()
    assert published.comments_closed


def test_comments_close_automatically_n_days_after_publishing(
    client, member, league_setup, dylans_pick
):
    LeagueReaderSettings.objects.create(league=league_setup.league, close_comments_after_days=7)
    with time_machine.travel(T0, tick=False):
        services.save_writeup(pick=dylans_pick, actor=member, body="Fresh", publish=True)
    with time_machine.travel(T0 + timedelta(days=7) - timedelta(seconds=1), tick=False):
        assert post(client, dylans_pick, anon(body="just in time")).status_code == 302
    with time_machine.travel(T0 + timedelta(days=7), tick=False):
        page = client.get(dylans_pick.get_absolute_url()).content.decode()
        assert "Comments are closed." in page
        response = post(client, dylans_pick, anon(body="too late"), ip="10.0.0.2")
        assert response.status_code == 403
    assert list(Comment.objects.values_list("body", flat=True)) == ["just in time"]


# --- Moderation --------------------------------------------------------------------------


@pytest.fixture
def moderated(league_setup):
    return LeagueReaderSettings.objects.create(
        league=league_setup.league, moderate_first_comments=True
    )


def test_first_time_commenters_are_held_and_see_their_own_comment(
    moderated, published, dylans_pick
):
    rita = Client()
    response = post(rita, dylans_pick, anon(body="Hold me"))
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.HELD
    # Rita's browser shows her comment, marked as waiting.
    page = rita.get(response["Location"]).content.decode()
    assert "Hold me" in page and "Awaiting moderation" in page
    assert "awaiting moderation: it appears for everyone once" in page
    # Nobody else sees it.
    assert "Hold me" not in Client().get(dylans_pick.get_absolute_url()).content.decode()


def test_the_author_approves_and_then_the_commenter_is_trusted(
    moderated, member_client, published, dylans_pick
):
    post(Client(), dylans_pick, anon(body="Hold me"))
    held = Comment.objects.get()
    page = member_client.get(dylans_pick.get_absolute_url()).content.decode()
    assert "Hold me" in page and "1 comment awaiting your approval" in page
    response = member_client.post(moderate_url(dylans_pick, held, "approve"))
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == Comment.Status.VISIBLE
    assert "Hold me" in Client().get(dylans_pick.get_absolute_url()).content.decode()


def test_a_signed_in_reader_is_trusted_after_one_approved_comment(
    moderated, member_client, outsider_client, published, dylans_pick
):
    post(outsider_client, dylans_pick, {"body": "First words"})
    first = Comment.objects.get()
    assert first.status == Comment.Status.HELD
    member_client.post(moderate_url(dylans_pick, first, "approve"))
    post(outsider_client, dylans_pick, {"body": "Trusted now"}, ip="10.0.0.9")
    assert Comment.objects.get(body="Trusted now").status == Comment.Status.VISIBLE


def test_a_readers_email_never_skips_moderation(moderated, member_client, published, dylans_pick):
    """Issue 9, finding 2: anyone could type the email of a reader with an approved comment."""
    post(Client(), dylans_pick, anon(body="Hold me"))
    member_client.post(moderate_url(dylans_pick, Comment.objects.get(), "approve"))
    post(
        Client(), dylans_pick, anon(body="Borrowed email", email="rita@example.com"), ip="10.0.0.9"
    )
    assert Comment.objects.get(body="Borrowed email").status == Comment.Status.HELD
    assert "Borrowed email" not in Client().get(dylans_pick.get_absolute_url()).content.decode()


def test_a_held_comment_stays_sealed_whatever_replies_sit_under_it(
    moderated, member_client, published, dylans_pick
):
    """Issue 9, finding 2: once a visible reply sat under a held comment, strangers read the
    held comment under "only you can see this comment until it is approved"."""
    rita = Client()
    post(rita, dylans_pick, anon(body="Held words"))
    held = Comment.objects.get()
    # A league member replies (members are never held on their own): the reply waits too.
    post(member_client, dylans_pick, {"body": "A reply to it", "parent": held.pk})
    reply = Comment.objects.get(body="A reply to it")
    assert reply.status == Comment.Status.HELD
    # Even a reply made visible by other means shows nothing of the thread to strangers.
    Comment.objects.filter(pk=reply.pk).update(status=Comment.Status.VISIBLE)
    stranger = Client().get(dylans_pick.get_absolute_url()).content.decode()
    assert "Held words" not in stranger and "A reply to it" not in stranger
    assert "only you can see" not in stranger and "No comments yet" in stranger
    # Its author's browser and the moderators still see it.
    assert "Held words" in rita.get(dylans_pick.get_absolute_url()).content.decode()
    moderator = member_client.get(dylans_pick.get_absolute_url()).content.decode()
    assert "Held words" in moderator and "A reply to it" in moderator


def test_league_members_are_never_held(moderated, other_member_client, published, dylans_pick):
    post(other_member_client, dylans_pick, {"body": "Member comment"})
    assert Comment.objects.get().status == Comment.Status.VISIBLE


def test_a_commissioner_deletes_a_comment_and_its_replies_keep_their_place(
    commissioner_client, client, published, dylans_pick
):
    post(client, dylans_pick, anon(body="Rude words"))
    top = Comment.objects.get()
    post(client, dylans_pick, anon(body="A calm reply", parent=top.pk))
    response = commissioner_client.post(moderate_url(dylans_pick, top, "delete"))
    assert response.status_code == 302
    page = client.get(dylans_pick.get_absolute_url()).content.decode()
    assert "Rude words" not in page and "Comment deleted." in page and "A calm reply" in page


def test_only_moderators_moderate(
    other_member_client, outsider_client, client, published, dylans_pick
):
    post(client, dylans_pick, anon(body="Keep me"))
    comment = Comment.objects.get()
    for c in (other_member_client, outsider_client):
        assert c.post(moderate_url(dylans_pick, comment, "delete")).status_code == 403
    assert client.post(moderate_url(dylans_pick, comment, "delete")).status_code == 403
    comment.refresh_from_db()
    assert comment.status == Comment.Status.VISIBLE


def test_moderation_buttons_show_to_moderators_only(
    member_client, other_member_client, client, published, dylans_pick
):
    post(client, dylans_pick, anon(body="Keep me"))
    assert "Delete" in member_client.get(dylans_pick.get_absolute_url()).content.decode()
    assert (
        "Delete<span"
        not in other_member_client.get(dylans_pick.get_absolute_url()).content.decode()
    )


# --- Rate limit --------------------------------------------------------------------------


def test_the_rate_limit_refuses_a_flood_from_one_address(client, published, dylans_pick, settings):
    settings.COMMENT_RATE_LIMIT = (3, 600)
    with time_machine.travel(T0, tick=False):
        for n in range(3):
            assert post(client, dylans_pick, anon(body=f"comment {n}")).status_code == 302
        response = post(client, dylans_pick, anon(body="one too many"))
        assert response.status_code == 429
        assert "Please wait a little" in response.content.decode()
        # Another address is not affected.
        assert post(client, dylans_pick, anon(body="neighbour"), ip="10.9.9.9").status_code == 302
    with time_machine.travel(T0 + timedelta(seconds=601), tick=False):
        assert post(client, dylans_pick, anon(body="later")).status_code == 302
    assert Comment.objects.count() == 5


def test_addresses_are_stored_only_as_keyed_hashes(client, published, dylans_pick):
    post(client, dylans_pick, anon(), ip="203.0.113.7")
    comment = Comment.objects.get()
    assert "203.0.113.7" not in comment.ip_hash and len(comment.ip_hash) == 64


def test_writeup_model_default_is_a_draft():
    assert Writeup().status == Writeup.Status.DRAFT


def test_behind_a_proxy_the_rate_limit_counts_each_client(client, published, dylans_pick, settings):
    settings.COMMENT_RATE_LIMIT = (1, 600)
    proxy = "10.0.0.254"
    settings.TRUSTED_PROXIES = proxies.parse(proxy)
    for client_address in ["198.51.100.1", "198.51.100.2"]:
        response = client.post(
            comment_url(dylans_pick),
            anon(),
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"203.0.113.9, {client_address}",
        )
        assert response.status_code == 302
    assert Comment.objects.count() == 2


def test_without_a_trusted_proxy_a_forwarded_address_counts_for_nothing(
    client, published, dylans_pick, settings
):
    """A client that sends X-Forwarded-For itself cannot pass the limit by changing it."""
    settings.COMMENT_RATE_LIMIT = (1, 600)
    for forged in ["198.51.100.1", "198.51.100.2"]:
        client.post(
            comment_url(dylans_pick), anon(), REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=forged
        )
    assert Comment.objects.count() == 1
