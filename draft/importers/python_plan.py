"""Writing a batch of IMDb films planned in Python against one read of the catalog, with one
executemany each for updates and inserts: SQLite (and any database but PostgreSQL)."""

from operator import attrgetter

from django.db import connection
from django.db.models import Q

from draft.importers.common import (
    _IMDB_UPDATE_FIELDS,
    _IMDB_VOCABULARY,
    _MOVIE_FIELDS,
    _MOVIE_TABLE,
    _STAGED_COLUMNS,
    _BatchOutcome,
    _duplicate_note,
    _first_of_each_id,
    _ImdbFilm,
    _new_film_defaults,
)
from draft.models import Movie


def _write_imdb_films(films: list[_ImdbFilm], *, file: str, with_ids: bool) -> _BatchOutcome:
    """Plan a batch against what the catalog holds now, row by row in the file's order, then
    write it: updates, then creates. The rules are import_imdb's; the PostgreSQL plan
    (_PLAN_STAGED_FILMS) decides the same, set by set."""
    outcome = _BatchOutcome()
    films = _first_of_each_id(films, outcome, file=file)
    # One instance per film, so a change made through by_id is what by_key sees.
    by_id: dict[str, Movie] = {}
    by_key: dict[tuple[str, int], Movie | _ImdbFilm] = {}
    for movie in _catalog_films(films):
        if movie.imdb_id:
            by_id[movie.imdb_id] = movie
        by_key[(movie.search_title, movie.year)] = movie

    to_update: dict[int, Movie] = {}
    to_create: list[_ImdbFilm] = []
    for film in films:
        movie = by_id.get(film.imdb_id)
        # A title and year stay held by the film that had them before the batch, even if it
        # moves away in this batch: a set-based plan cannot tell which came first.
        holder = by_key.get(film.key)
        if movie is not None and holder is not None and holder is not movie:
            # IMDb renamed or redated a film onto another film's title and year.
            outcome.counts["duplicates"] += 1
            outcome.duplicate_rows.append(_duplicate_note(file, film, holder.imdb_id, holder.title))
            continue
        if movie is not None:
            if _apply_imdb(movie, film):
                outcome.counts["updated"] += 1
                to_update[movie.pk] = movie
                by_key[film.key] = movie
            else:
                outcome.counts["unchanged"] += 1
        elif holder is None:
            to_create.append(film)
            by_key[film.key] = film  # a holder needs only an imdb_id and a title
            outcome.counts["created"] += 1
        elif holder.imdb_id is None:
            # The same film entered by hand or by the demo: give it the id, not a twin.
            _apply_imdb(holder, film)
            to_update[holder.pk] = holder
            outcome.counts["attached"] += 1
        else:
            outcome.counts["duplicates"] += 1
            outcome.duplicate_rows.append(_duplicate_note(file, film, holder.imdb_id, holder.title))
            continue
        if with_ids:
            outcome.imdb_ids.append(film.imdb_id)
    outcome.duplicate_rows.sort(key=attrgetter("line"))

    # The plan has left no two films on one title and year, so the order of these is free.
    _update_films(list(to_update.values()))
    _insert_films(to_create)
    return outcome


def _update_films(movies: list[Movie]) -> None:
    """What _apply_imdb changed, written with one executemany (bulk_update's CASE per column
    costs far more per row). Values are prepared by the model's fields, as save() would."""
    if not movies:
        return
    fields = [Movie._meta.get_field(name) for name in _IMDB_UPDATE_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(_MOVIE_TABLE)} SET {assignments} WHERE id = %s",
            [
                (
                    *(f.get_db_prep_save(getattr(movie, f.attname), connection) for f in fields),
                    movie.pk,
                )
                for movie in movies
            ],
        )


def _insert_films(films: list[_ImdbFilm]) -> None:
    """New films with one executemany: IMDb's values, and the model's defaults for the rest
    (_new_film_defaults), prepared as bulk_create would. bulk_create itself costs several times
    as much per row: it builds a model instance and every value through the ORM."""
    if not films:
        return
    defaults = _new_film_defaults()
    genres = Movie._meta.get_field("genres")
    quote = connection.ops.quote_name
    columns = [*_STAGED_COLUMNS, *defaults]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(_MOVIE_TABLE)} ({', '.join(map(quote, columns))}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            [
                (
                    film.imdb_id,
                    film.title,
                    film.search_title,
                    film.year,
                    genres.get_db_prep_save(list(film.genres), connection),
                    film.runtime,
                    *defaults.values(),
                )
                for film in films
            ],
        )


def _catalog_films(films: list[_ImdbFilm]) -> list[Movie]:
    """The catalog's films that a batch may touch, in one query: by IMDb id, and by title and
    year (a demo film, or an earlier IMDb film with the same title and year). The second part
    also finds a title from one row with the year of another; the caller keys by both."""
    return list(
        Movie.objects.filter(
            Q(imdb_id__in=[film.imdb_id for film in films])
            | Q(
                search_title__in={film.search_title for film in films},
                year__in={film.year for film in films},
            )
        )
        .only(*_MOVIE_FIELDS)
        .order_by()  # the catalog's ordering by title would only cost a sort
    )


def _apply_imdb(movie: Movie, film: _ImdbFilm) -> bool:
    """Copy what IMDb knows onto `movie`; True if that changed anything. The PostgreSQL
    writer's _MERGED_GENRES and COALESCE(runtime) say the same in SQL."""
    before = [getattr(movie, name) for name in _IMDB_UPDATE_FIELDS]
    movie.imdb_id = film.imdb_id
    movie.title = film.title
    movie.search_title = film.search_title
    movie.year = film.year
    if film.genres:
        ours = [genre for genre in movie.genres if genre not in _IMDB_VOCABULARY]
        movie.genres = [*film.genres, *ours]
    if film.runtime is not None:
        movie.runtime = film.runtime
    return [getattr(movie, name) for name in _IMDB_UPDATE_FIELDS] != before
