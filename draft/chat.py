"""The draft-room chat's rules, without the database: who may post and who may delete, and how a
message's text is cleaned (its web addresses become links as in comments: config/links.py). The
services, the selectors and the views ask here, so each rule has one home."""

# --- Who may do what ---------------------------------------------------------------------


def post_refusal(league, user, membership) -> str:
    """Why `user` may not post in the chats of `league`, or "" when they may. Members always
    may; signed-in readers may in a public league whose commissioners let them."""
    if membership is not None:
        return ""
    if user is None or not user.is_authenticated:
        return "Log in to post in the chat."
    if league.is_public and league.readers_may_chat:
        return ""
    return "Only members of this league can post in its chat."


def may_delete(membership) -> bool:
    """Commissioners delete chat messages (for everyone)."""
    return membership is not None and membership.is_commissioner


# --- Text ----------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """One line: runs of spaces, tabs and newlines become one space. (Control characters
    never get this far: config.inputs strips them from every form.)"""
    return " ".join(text.split())
