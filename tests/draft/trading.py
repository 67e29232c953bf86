"""Helpers of the trade tests: picks named as the trade forms name them, and the services called
as a member would."""

from draft.services.trades import answer_trade, propose_trade


def token(setup, round_number, user) -> str:
    """A pick as a form names it: "<round>:<drawn-for seat>"."""
    return f"{round_number}:{setup.seat_of(user).pk}"


def propose(setup, proposer, receiver, give, get, **extra):
    return propose_trade(
        draft_id=setup.draft.pk,
        user=proposer,
        to_seat_id=setup.seat_of(receiver).pk,
        give=give,
        get=get,
        **extra,
    )


def answer(setup, trade, user, action="accept"):
    return answer_trade(draft_id=setup.draft.pk, trade_id=trade.pk, user=user, action=action)
