"""The film catalog."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from draft import rules


def poster_path(movie: "Movie", filename: str) -> str:
    # draft.services.movies names the file: "<film id>-<12 hex digits>.jpg", new for each upload.
    return f"posters/{filename}"


class Movie(models.Model):
    title = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField()
    genres = models.JSONField(default=list, blank=True)
    directors = models.JSONField(default=list, blank=True)
    runtime = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Minutes")
    imdb_id = models.CharField(max_length=12, null=True, blank=True, unique=True)
    tmdb_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    # A poster from a dataset (import_movies), shown from where it is.
    poster_url = models.URLField(blank=True, max_length=500)
    # A poster a commissioner or the film's picker uploaded (re-encoded, config/pictures.py),
    # shown instead of the dataset's; NULL for none. Nullable, so that adding it was an ALTER
    # TABLE … ADD COLUMN on SQLite too: a NOT NULL column makes Django rebuild the table there,
    # which drops the search triggers of migration 0007 (a field added later must be nullable
    # too, or its migration must create them again).
    poster = models.ImageField(upload_to=poster_path, blank=True, null=True)
    # IMDb's rating (1–10) and its number of votes, from title.ratings.tsv.gz (import_movies
    # --imdb-ratings); NULL for a film IMDb has no rating for. Nullable for the reason above.
    imdb_rating = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    imdb_votes = models.PositiveIntegerField(null=True, blank=True)
    # Lower case, accents and punctuation removed: what search and duplicate checks compare.
    # Its indexes: the unique (search_title, year) below for lookups by title; for the pick
    # panel's search, the prefix, word-start and trigram indexes of migrations 0002 and 0007
    # (PostgreSQL) or the FTS5 table of 0007 (SQLite), which Django cannot declare here.
    search_title = models.CharField(max_length=200, editable=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["search_title", "year"], name="draft_movie_once_per_title_and_year"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.year})"

    def save(self, *args, **kwargs):
        # Spelling out accents, ligatures and "&" can make the search form longer than the
        # title; the column holds as much as the title's.
        limit = self._meta.get_field("search_title").max_length
        self.search_title = rules.normalize_title(self.title)[:limit]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("draft:movie", args=[self.pk])

    @property
    def directors_display(self) -> str:
        return ", ".join(self.directors)

    @property
    def genres_display(self) -> str:
        return ", ".join(self.genres)

    @property
    def poster_src(self) -> str:
        """Where the film's poster is: the uploaded one, else the dataset's, else ""."""
        return self.poster.url if self.poster else self.poster_url

    @property
    def hue(self) -> int:
        """One of twelve placeholder colours for a film without a poster (hue-0..hue-11)."""
        return rules.title_hue(self.title) % 12

    @property
    def initial(self) -> str:
        letters = [c for c in self.title if c.isalnum()]
        return letters[0].upper() if letters else "?"
