"""A file past the site's upload limit is dropped as it arrives (config/uploads.py): nothing of it
past the limit is kept, the rest of the form is read, and the page says why, for every form that
takes a file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from config import uploads
from results.models import ManualValue, MemberRating, ScoreColumn
from results.services import setup as results_setup
from reviews.models import BloggerProfile
from tests.draft.factories import bulk_fill_picks, four_by_three

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 4096)


def big(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"pick,value\n" + b"1.01,1\n" * 2000, content_type="text/csv")


def test_a_results_column_file_past_the_limit(small_limit, commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    bulk_fill_picks(setup, 12)
    results_setup.choose_preset(draft=setup.draft, preset="blog")
    panel = ScoreColumn.objects.get(setup__draft=setup.draft, kind="manual")
    client = Client()
    client.force_login(commissioner)
    response = client.post(
        reverse("results:setup", args=[setup.league.slug, setup.draft.slug]),
        {"action": "upload", "column": panel.pk, "file": big("panel.csv")},
        follow=True,
    )
    assert "The file is over 4.0\xa0KB" in response.content.decode()
    assert not ManualValue.objects.exists()


def test_a_ratings_file_past_the_limit(small_limit, member):
    client = Client()
    client.force_login(member)
    response = client.post(reverse("results:ratings"), {"ratings": big("ratings.csv")})
    assert response.status_code == 200
    assert "The file is over 4.0\xa0KB" in response.content.decode()
    assert not MemberRating.objects.exists()


def test_an_avatar_past_the_limit(small_limit, member):
    client = Client()
    client.force_login(member)
    response = client.post(
        reverse("profile_edit"),
        {"display_name": "Dylan", "avatar_upload": big("me.png")},
    )
    assert response.status_code == 200
    assert "The file is over 4.0\xa0KB" in response.content.decode()
    assert not BloggerProfile.objects.filter(user=member).exclude(avatar="").exists()


def test_a_file_under_the_limit_arrives_whole(member):
    client = Client()
    client.force_login(member)
    content = b"Date,Name,Year,Letterboxd URI,Rating\n"
    response = client.post(
        reverse("results:ratings"),
        {"ratings": SimpleUploadedFile("ratings.csv", content, content_type="text/csv")},
    )
    assert "The file is over" not in response.content.decode()
