"""The film catalog: a film added by a member, and the boards that show a film changed."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from draft import narration, rules
from draft.models import Draft, DraftEvent, Movie, Pick
from draft.search import similar_movies
from draft.services.writing import draft_write, record_change


def add_movie(
    *,
    user,
    title: str,
    year: int,
    directors: list[str] = (),
    genres: list[str] = (),
    runtime: int | None = None,
    confirmed_new: bool = False,
) -> Movie:
    """Add a film to the catalog. Refuses an exact duplicate; asks for confirmation
    (`confirmed_new`) when a film with a close title from about the same year exists."""
    title = " ".join(title.split())
    if not title:
        raise ValidationError("The film needs a title.")
    if not 1888 <= year <= timezone.now().year + 5:
        raise ValidationError("That year does not look right.")
    exact = Movie.objects.filter(search_title=rules.normalize_title(title), year=year).first()
    if exact:
        raise ValidationError(f"{exact} is already in the catalog.")
    if not confirmed_new:
        near = [m for m in similar_movies(title, year) if abs(m.year - year) <= 1]
        if near:
            raise ValidationError(
                "Did you mean " + " or ".join(str(m) for m in near) + "? "
                "If yours is a different film, confirm and add it.",
                code="did_you_mean",
            )
    try:
        with transaction.atomic():
            return Movie.objects.create(
                title=title,
                year=year,
                directors=[d.strip() for d in directors if d.strip()],
                genres=[g.strip() for g in genres if g.strip()],
                runtime=runtime,
                added_by=user,
            )
    except IntegrityError:
        raise ValidationError(f"{title} ({year}) is already in the catalog.") from None


@draft_write
def film_changed(*, movie: Movie) -> None:
    """A film's details were corrected (the admin): every board that shows it gets a new
    version, so its cached parts are rendered again."""
    drafts = list(
        Draft.objects.select_for_update(no_key=True)
        .filter(pk__in=Pick.objects.filter(movie=movie).values("draft_id"))
        .order_by("pk")
    )
    for draft in drafts:
        record_change(draft, DraftEvent.Kind.SETUP, narration.film_changed(movie), actor=None)
