"""What the draft app tells the apps built on it (reviews, results) that it cannot call: `draft`
never imports them."""

from django.dispatch import Signal

# A league's next season was started (draft.services.seasons.start_next_season), inside its
# transaction: `last` is the last season's draft, `draft` the new one. Receivers carry over
# what is theirs (reviews: whether readers may vote).
next_season_started = Signal()

# The catalog's IMDb ratings are about to change (import_movies --imdb-ratings). Receivers
# settle what must be decided on the ratings as they were (results: lock the results whose
# date has passed).
catalog_ratings_changing = Signal()

# A finished draft is about to reopen (an undo of its last act), inside the undo's transaction.
# A receiver that must keep it finished raises ValidationError with the reason, and nothing is
# undone (results: while the draft's results are locked).
draft_reopening = Signal()
