"""The reader side of the demo league: blogger profiles, writeups (written for this demo),
threaded comments and a few votes. Runs after draft.demo.seed_demo().

Idempotent: profiles are made only when missing, a writeup only for a pick without one,
comments only on a writeup that has none, votes by fixed voter keys.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from draft.demo import DRAFT_NAME, LEAGUE_NAME
from draft.demo.last_season import LAST_SEASON_NAME
from draft.models import Draft, Pick
from reviews import markdown, services
from reviews.models import (
    BloggerProfile,
    Comment,
    DraftReaderSettings,
    LeagueReaderSettings,
    Vote,
    Writeup,
)

# username: (blog name, blog address, bio)
PROFILES = {
    "carla": (
        "Second Reel",
        "https://secondreel.example.com",
        "Runs the league, keeps the spreadsheet, rewatches Kubrick every winter.",
    ),
    "dylan": (
        "Strange Frames",
        "https://strangeframes.example.net",
        "Writes about films that feel like they were made for one person at 2 a.m.",
    ),
    "maya": (
        "Marquee Notes",
        "https://marqueenotes.example.org",
        "Old Hollywood, new restorations, and the occasional midnight horror double bill.",
    ),
    "theo": (
        "Frame Rate",
        "https://framerate.example.com",
        "Crime films, long takes and arguments about aspect ratios.",
    ),
    "priya": (
        "Reverse Shot Diaries",
        "https://reverseshot.example.net",
        "Hitchcock completist. Will talk about the score before the plot.",
    ),
    "sam": ("The Late Show", "https://thelateshow.example.org", "Comedies, musicals, sing-alongs."),
    "june": ("Cinema Paradiso-ish", "https://juneatthemovies.example.com", ""),
    "omar": (
        "Slow Cinema Club",
        "https://slowcinema.example.net",
        "Patient films and the people who love them.",
    ),
}

HER_WRITEUP = """\
There is a scene early in *Her* where Theodore walks through a crowded plaza and every single
person around him is murmuring into an earpiece. Nobody bumps into anybody. Nobody looks up.
It plays like a joke the first time you watch it, and like a documentary the third.

That is the trick Spike Jonze pulls off for two hours: he builds a future that is only a half
step away from the phone in your pocket, and then he asks whether a relationship with something
that lives in that phone can still count as love. He never answers with a lecture. He answers
with Joaquin Phoenix's face.

## A man who writes other people's letters

Theodore's job is the film's best idea. He composes heartfelt letters for strangers: anniversary
notes, birthday cards, love letters for couples who have been together for decades. He is very
good at intimacy as long as it belongs to someone else. So when an operating system named
Samantha starts asking him real questions, of course he falls. She is the first correspondent
who writes back.

Scarlett Johansson has no body to act with and somehow it doesn't matter. Her laugh does half
the work. Listen to the scene on the beach where Samantha describes a piece of music she has
composed "like a photograph" of the two of them; it is one of the most tender things in any
2010s romance, and nobody on screen is touching anybody.

## Colour, warmth and a city with no cars

A few things I noticed on this rewatch:

- **The palette.** Reds, corals and soft oranges everywhere: shirts, walls, the elevator. It is
  a warm film about a cold subject, and that contrast keeps it from ever feeling clinical.
- **The city.** Los Angeles stitched together with Shanghai, all trains and walkways, no traffic.
  It is a utopia, which makes the loneliness inside it sting more.
- **The sound.** The score by Arcade Fire and Owen Pallett stays small and close, like someone
  humming in the next room. "The Moon Song" arrives exactly when the film needs a breath.

## Why it belongs in this category

The Romance/Holiday/Animation round is usually where people grab a comfort watch, and I
understand the temptation. But *Her* is the most honest love story I could think of from the
last fifteen years, because it is willing to admit that two people (or a person and whatever
Samantha becomes) can be perfect for each other for a while and then simply grow in different
directions. The final rooftop scene with Amy Adams doesn't resolve anything. It just lets two
friends sit together, which might be the film's real idea of love.

Five stars, and a reminder to call someone instead of texting them tonight.
"""

WRITEUPS = [
    # (title, year, username, body, published)
    ("Her", 2013, "dylan", HER_WRITEUP, True),
    (
        "Spirited Away",
        2001,
        "carla",
        """\
I took *Spirited Away* straight after Strange Dylan's pick because there was no way it was
lasting to the next turn.

Miyazaki's bathhouse is the most complete world in animation: it has shift workers, a boss who
micromanages, a stink spirit who turns out to be a polluted river, and a train that runs across
the water to nowhere in particular. Chihiro starts the film sulking in the back seat of a car
and ends it having saved her parents, made a friend of a dragon, and learned the names of
things. That is a whole childhood in two hours.

The quiet parts are my favourite. The train ride with No-Face, with nobody speaking and the
stations slipping by in the dusk, is the kind of scene a Hollywood studio would cut in the first
test screening. It is also the scene everyone remembers.
""",
        True,
    ),
    (
        "Casablanca",
        1942,
        "maya",
        """\
First pick of the draft and I went with the safest, best answer I know.

*Casablanca* was made on a studio lot in a hurry, with a script that was still being rewritten
while they shot it, and it plays like it was carved from marble. Every supporting player is
perfect: Claude Rains gets the best lines, Peter Lorre gets the best exit, and Dooley Wilson
makes a piano sound like a memory.

Bogart's Rick pretends not to care for about ninety minutes, and the pleasure of the film is
watching the pretence crack. *Here's looking at you, kid.*
""",
        True,
    ),
    (
        "Alien",
        1979,
        "dylan",
        """\
A classic by one month: *Alien* came out in May 1979, which makes it eligible for the pre-1980
round and makes me very pleased with myself.

What holds up is the patience. The Nostromo wakes up slowly, the crew bickers about bonus pay,
and the first forty minutes are mostly people walking through corridors that look used. By the
time anything jumps out, you already believe in the ship.
""",
        True,
    ),
    (
        "Vertigo",
        1958,
        "priya",
        """\
Hitchcock's most personal film, and the one that keeps climbing the polls.

Bernard Herrmann's score spirals the way the story does. Watch it for the green light in the
hotel room scene, and then watch it again for everything you missed the first time.
""",
        True,
    ),
    (
        "In the Mood for Love",
        2000,
        "omar",
        "Draft notes: the corridors, the rain, the qipaos, the clock. Finish before Friday.",
        False,
    ),
]

# Comments on "Her": (key, parent key or None, name, username or None, hours after publishing, text)
HER_COMMENTS = [
    (
        "ines",
        None,
        "Ines Marlowe",
        None,
        5,
        "I have been avoiding this one because the premise sounded like a gimmick, but the bit "
        "about Theodore writing other people's letters has sold me. Adding it to the weekend list.",
    ),
    (
        "dylan-ines",
        "ines",
        "",
        "dylan",
        6,
        "It really isn't a gimmick! Give it twenty minutes. The letter-writing scenes are the "
        "whole key to him.",
    ),
    (
        "ines-2",
        "ines",
        "Ines Marlowe",
        None,
        30,
        "Watched it last night. You were right about the rooftop ending, I just sat there for a "
        "while afterwards.",
    ),
    (
        "hank",
        None,
        "Hank Oduya",
        None,
        9,
        "Great pick for the category, though I would have gone with an animated film here. "
        "Still, hard to argue with that score.",
    ),
    (
        "maya-hank",
        "hank",
        "",
        "maya",
        11,
        "Carla took the animated film I wanted before my turn came round, so I am on Hank's side "
        "for purely selfish reasons.",
    ),
    (
        "leo",
        None,
        "Leo Brandt",
        None,
        26,
        "The colour palette point is spot on. Once you notice there is almost no blue in the "
        "film you can't stop seeing it.",
    ),
]

# Votes: (voter key, question, title picked) — the draft question takes a username instead.
# Round 2 is still being drafted, so its vote is not open yet: round 1's is.
VOTES = [
    ("a:demo-reader-4", "round-1", "Vertigo"),
    ("a:demo-reader-1", "round-1", "Alien"),
    ("a:demo-reader-2", "round-1", "Casablanca"),
    ("a:demo-reader-3", "round-1", "Casablanca"),
    ("a:demo-reader-1", "draft", "dylan"),
    ("a:demo-reader-2", "draft", "maya"),
    ("a:demo-reader-3", "draft", "dylan"),
]


@transaction.atomic
def seed_reviews() -> str:
    """Add the reader side to the demo league; returns a line for the command to print."""
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=PROFILES)}
    for username, (blog_name, blog_url, bio) in PROFILES.items():
        user = users.get(username)
        if user is None:
            continue
        BloggerProfile.objects.get_or_create(
            user=user,
            defaults={
                "display_name": user.display_name,
                "blog_name": blog_name,
                "blog_url": blog_url,
                "bio": bio,
            },
        )
    draft = (
        Draft.objects.select_related("league")
        .filter(league__name=LEAGUE_NAME, name=DRAFT_NAME)
        .first()
    )
    if draft is None:
        return "No demo draft: reader demo skipped."
    LeagueReaderSettings.objects.get_or_create(league=draft.league)
    DraftReaderSettings.objects.get_or_create(draft=draft, defaults={"voting_open": True})

    picks = {
        p.movie.title: p
        for p in Pick.objects.filter(draft=draft).select_related(
            "movie", "seat__membership__user", "draft__league"
        )
    }
    now = timezone.now()
    made = 0
    for age, (title, _year, username, body, published) in enumerate(WRITEUPS):
        pick = picks.get(title)
        if pick is None or Writeup.objects.filter(pick=pick).exists():
            continue
        writeup = services.save_writeup(
            pick=pick, actor=users[username], body=body, publish=published
        )
        if published:
            # Spread the publication times out so the home page has an order to show.
            Writeup.objects.filter(pk=writeup.pk).update(
                published_at=now - timedelta(days=2, hours=age * 7)
            )
        made += 1

    her = Writeup.objects.filter(pick=picks.get("Her")).first() if "Her" in picks else None
    if her is not None and not her.comments.exists():
        _seed_comments(her, users)

    for voter, question, choice in VOTES:
        defaults = {"pick": None, "seat": None}
        if question == Vote.DRAFT_QUESTION:
            seat = next((p.seat for p in picks.values() if p.seat.user.username == choice), None)
            if seat is None:
                continue
            defaults["seat"] = seat
        else:
            pick = picks.get(choice)
            if pick is None:
                continue
            defaults["pick"] = pick
        Vote.objects.get_or_create(draft=draft, question=question, voter=voter, defaults=defaults)
    _last_season_votes()
    return f"Reader demo ready: {made} writeups added; the Her writeup is at {picks['Her'].get_absolute_url() if 'Her' in picks else '-'}"


def _seed_comments(writeup: Writeup, users: dict) -> None:
    made: dict[str, Comment] = {}
    start = writeup.published_at
    for key, parent_key, name, username, hours, text in HER_COMMENTS:
        user = users.get(username) if username else None
        if user is not None:
            profile = BloggerProfile.objects.filter(user=user).first()
            name = profile.name if profile else user.get_full_name()
        comment = Comment.objects.create(
            writeup=writeup,
            parent=made.get(parent_key) if parent_key else None,
            user=user,
            author_name=name,
            author_email=f"{key.split('-')[0]}@readers.example.com" if user is None else "",
            body=text,
            body_html=markdown.render_comment(text),
        )
        Comment.objects.filter(pk=comment.pk).update(created_at=start + timedelta(hours=hours))
        made[key] = comment


# Last season's readers: who won (member, votes) and, each round, the pick in round order that
# most readers chose as its best (pick in round, votes) and a runner-up.
LAST_SEASON_WINNER_VOTES = [("carla", 6), ("maya", 5), ("dylan", 3), ("sam", 2), ("june", 1)]
LAST_SEASON_ROUND_VOTES = [((3, 4), (6, 2)), ((1, 5), (8, 1)), ((5, 3), (2, 3))] * 2


def _last_season_votes() -> None:
    draft = Draft.objects.filter(league__name=LEAGUE_NAME, name=LAST_SEASON_NAME).first()
    if draft is None or draft.votes.exists():
        return
    seats = {s.membership.user.username: s for s in draft.seats.select_related("membership__user")}
    picks = {(p.round, p.pick_in_round): p for p in Pick.objects.filter(draft=draft)}
    votes, voter = [], 0
    for username, count in LAST_SEASON_WINNER_VOTES:
        for _ in range(count):
            voter += 1
            votes.append(
                Vote(
                    draft=draft,
                    question=Vote.DRAFT_QUESTION,
                    seat=seats[username],
                    voter=f"a:demo-{voter}",
                )
            )
    for round_number, choices in enumerate(LAST_SEASON_ROUND_VOTES, start=1):
        voter = 0
        for pick_in_round, count in choices:
            pick = picks.get((round_number, pick_in_round))
            for _ in range(count if pick else 0):
                voter += 1
                votes.append(
                    Vote(
                        draft=draft,
                        question=Vote.round_question(round_number),
                        pick=pick,
                        voter=f"a:demo-{voter}",
                    )
                )
    Vote.objects.bulk_create(votes)
