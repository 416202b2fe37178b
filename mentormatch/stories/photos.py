"""A story's photo, made safe to publish: decoded, turned upright, shrunk and re-encoded as a
JPEG with no metadata (no GPS position, camera, date or name), or refused with the reason."""
from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 1600
# Larger images are refused before they are decoded, so a small file cannot expand into gigabytes.
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoRefused(ValueError):
    """The photo was not kept; the message says why."""


def clean(data: bytes) -> tuple[bytes, int, int]:
    """The photo re-encoded as JPEG without metadata, at most MAX_SIDE pixels a side; its size."""
    if len(data) > MAX_BYTES:
        raise PhotoRefused("The photo is larger than 8 MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in FORMATS:
                    raise PhotoRefused("Upload a JPEG, PNG or WebP photo.")
                if image.width * image.height > MAX_PIXELS:
                    raise PhotoRefused("The photo has too many pixels; send a smaller one.")
                upright = ImageOps.exif_transpose(image).convert("RGB")
        upright.thumbnail((MAX_SIDE, MAX_SIDE))
        output = io.BytesIO()
        # Nothing from the original's info (EXIF, XMP, ICC, comments) is passed on.
        upright.save(output, "JPEG", quality=85, optimize=True)
    except PhotoRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused("The file could not be read as a photo.") from None
    return output.getvalue(), upright.width, upright.height
