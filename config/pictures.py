"""Uploaded pictures (a member's avatar, a film's poster), checked and re-encoded in one place.

Whatever an upload carried (metadata, a second file glued on, a script in a comment), the stored
file is pixels only: the picture is decoded, cropped from its centre to the shape it is shown
at, shrunk, and written anew by Pillow. Any file Pillow cannot decode (corrupt, truncated, a
polyglot, a decompression bomb) is a ValidationError a person can read, never a 500.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
# 16.7 megapixels (4096 x 4096) covers any phone photo. A 3 KB PNG can declare 25 megapixels
# and cost seconds to decode; the size is read from the header and refused before any pixel is
# decoded.
MAX_PIXELS = 4096 * 4096
UNREADABLE = "That file is not a picture we can read (PNG, JPEG, GIF or WebP)."


@dataclass(frozen=True)
class Shape:
    """What a kind of picture becomes: `width` × `height` pixels, in `format`."""

    width: int
    height: int
    format: str  # "PNG" keeps transparency (avatars); "JPEG" keeps photos small (posters)
    max_bytes: int

    @property
    def extension(self) -> str:
        return "png" if self.format == "PNG" else "jpg"

    @property
    def content_type(self) -> str:
        return "image/png" if self.format == "PNG" else "image/jpeg"


def reencode(upload, shape: Shape, *, code: str) -> ContentFile:
    """Check an uploaded picture (size in bytes, real image type, pixel count) and re-encode it
    to `shape`. Errors carry `code`, so a form can put them on its picture field."""
    from PIL import Image

    if upload.size > shape.max_bytes:
        megabytes = shape.max_bytes // (1024 * 1024)
        raise ValidationError(f"The picture is too large: {megabytes} MB at most.", code=code)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; here both refuse.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                kind = probe.format
                width, height = probe.size
                if kind not in FORMATS:
                    raise ValidationError("Use a PNG, JPEG, GIF or WebP picture.", code=code)
                if width * height > MAX_PIXELS:
                    raise ValidationError(
                        "The picture has too many pixels: 4096 × 4096 at most "
                        f"(this one is {width:,} × {height:,}).",
                        code=code,
                    )
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                # JPEG decodes straight at a fraction of its size; others shrink by whole
                # factors first (reducing_gap), so even a limit-size picture stays cheap.
                image.draft("RGB", (shape.width * 2, shape.height * 2))
                if image.width < 1 or image.height < 1:
                    raise ValueError("an empty picture")
                # The largest part of the picture with the shape's proportions, from its centre.
                scale = min(image.width / shape.width, image.height / shape.height)
                crop_w = max(1, round(shape.width * scale))
                crop_h = max(1, round(shape.height * scale))
                left, top = (image.width - crop_w) // 2, (image.height - crop_h) // 2
                part = image.crop((left, top, left + crop_w, top + crop_h))
                size = (shape.width, shape.height)
                part.thumbnail(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
                mode = "RGBA" if shape.format == "PNG" else "RGB"
                part = part.convert(mode).resize(size, Image.Resampling.LANCZOS)
                out = io.BytesIO()
                if shape.format == "PNG":
                    part.save(out, format="PNG", optimize=True)
                else:
                    part.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    except ValidationError:
        raise
    except Exception as error:  # Pillow raises many kinds on hostile files; all mean "unreadable"
        raise ValidationError(UNREADABLE, code=code) from error
    return ContentFile(out.getvalue())
