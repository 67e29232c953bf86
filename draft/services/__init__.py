"""Every write to a league or a draft, one module per concern; import a service from its own
module (`from draft.services.picks import make_pick`). How a write is framed (the lock order,
the retry, the version and the log) is in `writing`; the acts that move the turn, shared by
picks, the clock, the queue and the commissioner, in `turns`."""
