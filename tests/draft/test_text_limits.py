"""Bounded text: whatever a person types or an import brings fits its column on every database
(PostgreSQL refuses what does not; SQLite would quietly keep it), and a form says so before
the database would have to."""

import pytest
from django.core.exceptions import ValidationError

from draft import forms
from draft.models import Category, Draft, DraftEvent, League, Membership, Movie
from draft.services.leagues import rename_member
from tests.draft.factories import make_draft

pytestmark = pytest.mark.django_db

# Every form field a person fills that is stored in a CharField, and the column it fills.
FORM_COLUMNS = [
    (forms.LeagueForm, "name", League, "name"),
    (forms.LeagueForm, "description", League, "description"),
    (forms.DraftCreateForm, "name", Draft, "name"),
    (forms.DraftSettingsForm, "name", Draft, "name"),
    (forms.CategoryForm, "name", Category, "name"),
    (forms.CategoryForm, "description", Category, "description"),
    (forms.MovieForm, "title", Movie, "title"),
]


def form_context(form) -> dict:
    """What a form needs besides its data: the new-draft form offers the league's members."""
    if form is forms.DraftCreateForm:
        return {"league": League.objects.create(name="Limits", slug="limits")}
    return {}


@pytest.mark.parametrize(
    ("form", "field", "model", "column"), FORM_COLUMNS, ids=lambda v: getattr(v, "__name__", v)
)
def test_form_and_column_agree_on_the_longest_text(form, field, model, column):
    assert form.base_fields[field].max_length == model._meta.get_field(column).max_length


@pytest.mark.parametrize(
    ("form", "field", "model", "column"), FORM_COLUMNS, ids=lambda v: getattr(v, "__name__", v)
)
def test_a_form_refuses_text_longer_than_its_column_with_a_message(form, field, model, column):
    longest = model._meta.get_field(column).max_length
    bound = form(data={field: "x" * (longest + 1)}, **form_context(form))
    assert not bound.is_valid()
    assert f"at most {longest} characters" in " ".join(bound.errors[field])


def test_category_names_typed_one_per_line_are_held_to_the_column():
    longest = Category._meta.get_field("name").max_length
    bound = forms.DraftCreateForm(
        data={
            "name": "D",
            "order": "snake",
            "category_mode": "per_round",
            "categories": "Horror\n" + "y" * (longest + 1),
        },  # fmt: skip
        **form_context(forms.DraftCreateForm),
    )
    assert not bound.is_valid()
    assert f"at most {longest} characters" in " ".join(bound.errors["categories"])


def test_the_log_holds_any_length_of_line():
    assert DraftEvent._meta.get_field("summary").get_internal_type() == "TextField"


def test_a_board_name_longer_than_its_column_is_refused(commissioner, member):
    setup = make_draft(commissioner, [member], seats=2, rounds=1)
    membership = setup.membership_of(member)
    longest = Membership._meta.get_field("display_name").max_length
    with pytest.raises(ValidationError) as refused:
        rename_member(membership=membership, actor=member, display_name="z" * 100_000)
    assert refused.value.messages == [f"A name on the board is at most {longest} characters."]
    membership.refresh_from_db()
    assert membership.display_name == "Strange Dylan"


def test_a_title_whose_search_form_grows_still_fits():
    """ "&" becomes " and ", a ligature its letters: the search form of the longest title can
    be longer than the title; it is kept to its column."""
    longest = Movie._meta.get_field("title").max_length
    movie = Movie.objects.create(title="ﬃ&" * (longest // 2), year=2000)
    assert len(movie.title) == longest
    assert len(movie.search_title) <= Movie._meta.get_field("search_title").max_length
    assert movie.search_title.startswith("ffi and ffi")
