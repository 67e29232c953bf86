"""The film catalog: a film added by a member, a film's poster, and the boards that show a
film changed."""

import logging
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from config import pictures
from draft import access, narration, rules
from draft.models import Draft, DraftEvent, Movie, Pick
from draft.search import similar_movies
from draft.services.writing import draft_write, record_change

logger = logging.getLogger(__name__)

# A poster is shown at up to 200 × 300 CSS pixels (the film and pick pages): 400 × 600 pixels
# stays sharp on a phone's screen, and as a JPEG it weighs tens of kilobytes.
POSTER = pictures.Shape(width=400, height=600, format="JPEG", max_bytes=5 * 1024 * 1024)


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


def change_poster(*, user, movie: Movie, upload=None, remove: bool = False) -> Movie:
    """Attach an uploaded poster to a film (re-encoded, config/pictures.py), or remove the one
    attached, which shows the dataset's poster again, if any, or the film's initial. Who may:
    `access.may_change_poster`. The picture is checked and re-encoded before anything is
    written; the boards that show the film are told (`film_changed`)."""
    if not access.may_change_poster(user, movie):
        raise PermissionDenied(
            "Only a member who drafted this film or a commissioner of a league that drafted "
            "it can change its poster."
        )
    if upload is None and not remove:
        raise ValidationError("Choose a picture to upload.", code="poster")
    if upload is None and not movie.poster:
        raise ValidationError("This film has no uploaded poster to remove.", code="poster")
    content = pictures.reencode(upload, POSTER, code="poster") if upload is not None else None
    storage = Movie._meta.get_field("poster").storage
    new_name = ""
    if content is not None:
        new_name = storage.save(f"posters/{movie.pk}-{secrets.token_hex(6)}.jpg", content)
    try:
        old_name = _store_poster(movie=movie, name=new_name)
    except BaseException:
        if new_name:
            storage.delete(new_name)
        raise
    if old_name and old_name != new_name:
        try:
            storage.delete(old_name)
        except OSError:  # the film shows the new poster; a file left behind harms nobody
            logger.warning("Could not delete the replaced poster %s", old_name)
    movie.refresh_from_db(fields=["poster"])
    return movie


@draft_write
def _store_poster(*, movie: Movie, name: str) -> str:
    """Point the film at the stored file `name` ("" for none); the file it pointed at before."""
    _film_changed(movie, narration.poster_changed(movie, removed=not name))
    locked = Movie.objects.select_for_update(no_key=True).get(pk=movie.pk)
    old = locked.poster.name if locked.poster else ""
    Movie.objects.filter(pk=movie.pk).update(poster=name or None)
    return old


@draft_write
def film_changed(*, movie: Movie) -> None:
    """A film's details were corrected (the admin): every board that shows it gets a new
    version, so its cached parts are rendered again."""
    _film_changed(movie, narration.film_changed(movie))


def _film_changed(movie: Movie, sentence: str) -> None:
    """Lock, in the lock order, every draft that picked `movie` and give it a new version
    (logged with `sentence`)."""
    drafts = list(
        Draft.objects.select_for_update(no_key=True)
        .filter(pk__in=Pick.objects.filter(movie=movie).values("draft_id"))
        .order_by("pk")
    )
    for draft in drafts:
        record_change(draft, DraftEvent.Kind.SETUP, sentence, actor=None)
