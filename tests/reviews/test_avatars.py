"""Avatars (issue 9, finding 5): every file Pillow cannot decode is a form error, a picture that
declares too many pixels is refused before a pixel is decoded, and the re-encoded file is
served with DEBUG off, as an image and nothing else."""

import io
import struct
import time
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from reviews.models import BloggerProfile

pytestmark = pytest.mark.django_db

PROFILE = {"display_name": "Strange Dylan", "blog_name": "", "blog_url": "", "bio": ""}


def encoded(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=kind)
    return out.getvalue()


def corrupt_png() -> bytes:
    """A PNG whose pixel data is garbage under a correct checksum: it opens and verifies, and
    fails only when decoded."""
    data = encoded(Image.new("RGB", (300, 200), (200, 80, 40)), "PNG")
    at = data.index(b"IDAT")
    length = struct.unpack(">I", data[at - 4 : at])[0]
    junk = bytes((n * 7 + 3) % 256 for n in range(length))
    crc = struct.pack(">I", zlib.crc32(b"IDAT" + junk) & 0xFFFFFFFF)
    return data[: at + 4] + junk + crc + data[at + 8 + length :]


HOSTILE = {
    "corrupt.png": corrupt_png(),
    "truncated.jpg": encoded(Image.new("RGB", (800, 600), (10, 20, 30)), "JPEG")[:1500],
    # A GIF header whose image data ends early, followed by a script: a GIF/JS polyglot.
    "polyglot.gif": b"GIF89a=\x00\x0a\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00"
    b"\x0a\x00\x0a\x00\x00\x02\x02D\x01\x00;*/alert(1)//",
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize("name", HOSTILE)
def test_a_file_pillow_cannot_decode_is_a_form_error(member_client, member, media, name):
    upload = SimpleUploadedFile(name, HOSTILE[name], content_type="image/png")
    response = member_client.post(reverse("profile_edit"), {**PROFILE, "avatar_upload": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "not a picture we can read" in page or "Upload a valid image" in page
    assert not BloggerProfile.objects.filter(user=member).exclude(avatar="").exists()
    assert not list(media.rglob("*.png"))


def test_a_small_file_that_declares_25_megapixels_is_refused_at_once(member_client, media):
    bomb = encoded(Image.new("1", (5000, 5000)), "PNG")
    assert len(bomb) < 20_000
    upload = SimpleUploadedFile("bomb.png", bomb, content_type="image/png")
    started = time.perf_counter()
    response = member_client.post(reverse("profile_edit"), {**PROFILE, "avatar_upload": upload})
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 200
    assert "too many pixels: 4096 × 4096 at most (this one is 5,000 × 5,000)" in (
        response.content.decode()
    )


def test_a_phone_photo_becomes_a_256_pixel_png_quickly(member_client, member, media):
    photo = encoded(Image.new("RGB", (4000, 3000), (30, 90, 160)), "JPEG")
    upload = SimpleUploadedFile("photo.jpg", photo, content_type="image/jpeg")
    started = time.perf_counter()
    response = member_client.post(reverse("profile_edit"), {**PROFILE, "avatar_upload": upload})
    assert time.perf_counter() - started < 1.5
    assert response.status_code == 302
    with Image.open(BloggerProfile.objects.get(user=member).avatar.path) as image:
        assert image.format == "PNG" and image.size == (256, 256)


def test_avatars_are_served_with_debug_off_as_images_only(member_client, member, client, media):
    upload = SimpleUploadedFile(
        "me.gif", encoded(Image.new("RGB", (300, 300), (200, 80, 40)), "GIF")
    )
    member_client.post(reverse("profile_edit"), {**PROFILE, "avatar_upload": upload})
    profile = BloggerProfile.objects.get(user=member)
    page = client.get(reverse("reviews:blogger", args=["dylan"])).content.decode()
    assert f'src="{profile.avatar.url}"' in page
    response = client.get(profile.avatar.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert client.head(profile.avatar.url).status_code == 200
    assert client.post(profile.avatar.url).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/media/avatars/1-0123456789ab.png",  # no such file
        "/media/avatars/evil.html",
        "/media/avatars/../../config/settings.py",
        "/media/avatars/%2e%2e/%2e%2e/manage.py",
        "/media/other/1-0123456789ab.png",
    ],
)
def test_nothing_but_stored_avatars_is_served(client, media, path):
    (media / "other").mkdir()
    (media / "other" / "1-0123456789ab.png").write_bytes(b"\x89PNG")
    (media / "avatars").mkdir()
    (media / "avatars" / "evil.html").write_text("<script>alert(1)</script>")
    assert client.get(path).status_code == 404
