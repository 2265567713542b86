"""Product photos as a curator needs them: real images only, stored as clean JPEGs.

Whatever arrives (a phone's JPEG, a PNG screenshot, a file named .jpg that is not one) is
opened by Pillow, never trusted by its name or type. A picture that would decode into more
pixels than any phone takes is refused before it is decoded (a decompression bomb). What is
kept is re-encoded from the pixels alone, so EXIF metadata, GPS above all, is gone; it is
turned upright first, as the phone meant it. Each photo gets a thumbnail and a fingerprint
that stays the same when the same picture is sent again, even recompressed. Advice (too
small, too dark, blurred) is given, not a refusal: a curator judges by the photo.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps, ImageStat, UnidentifiedImageError

from storage.media import MediaStore

FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 50_000_000  # more than any phone camera takes (a 6000 x 6000 photo is 36 M)
MAX_SIDE = 2560  # what is kept: plenty for judging, a few hundred kB
THUMB_SIDE = 320
JPEG_QUALITY = 85
MIN_SIDE = 16  # smaller than this is not a photo at all
MIN_SHORT_SIDE = 800  # below this a curator cannot see the work
DARK_BELOW = 60  # mean brightness, 0-255
BLURRED_BELOW = 100.0  # variance of the edges of the picture scaled to 512 px

# Advice codes; the conversation words them in the user's language.
SMALL, DARK, BLURRED = "small", "dark", "blurred"


class NotAPhoto(Exception):
    """Not an image Pillow can read, or one too large to decode safely."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "not_image" or "too_many_pixels"


@dataclass(frozen=True)
class StoredPhoto:
    path: str  # in the media store
    thumb: str
    width: int
    height: int
    fingerprint: str  # 16 hex digits; near-equal for the same picture
    advice: tuple[str, ...]


def store_photo(media: MediaStore, data: bytes) -> StoredPhoto:
    """Check, clean and store one photo; raises NotAPhoto for anything else."""
    picture = _open(data)
    picture = ImageOps.exif_transpose(picture)  # upright, as the phone meant it
    picture = _flatten(picture)
    advice = _advice(picture)
    picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    kept = media.save(_jpeg(picture), "image/jpeg")
    thumb = picture.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return StoredPhoto(
        path=kept, thumb=media.save(_jpeg(thumb), "image/jpeg"), width=picture.width,
        height=picture.height, fingerprint=fingerprint(picture), advice=advice,
    )


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in FORMATS:
                raise NotAPhoto("not_image")
            width, height = probe.size  # from the header: nothing decoded yet
            if width * height > MAX_PIXELS:
                raise NotAPhoto("too_many_pixels")
            if min(width, height) < MIN_SIDE:  # an icon or a dot, not a photo of anything
                raise NotAPhoto("not_image")
            probe.verify()  # a truncated or corrupt file stops here
            picture = Image.open(io.BytesIO(data))
            picture.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise NotAPhoto("too_many_pixels") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise NotAPhoto("not_image") from error
    return picture


def _flatten(picture: Image.Image) -> Image.Image:
    """RGB pixels only: transparency on white (a PNG cut-out), no palette, no metadata."""
    if picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info):
        picture = picture.convert("RGBA")
        background = Image.new("RGB", picture.size, "white")
        background.paste(picture, mask=picture.getchannel("A"))
        return background
    return picture.convert("RGB")


def _jpeg(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    # No exif= and no icc_profile=: what was in the original stays out of the copy.
    picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _advice(picture: Image.Image) -> tuple[str, ...]:
    found = []
    if min(picture.size) < MIN_SHORT_SIDE:
        found.append(SMALL)
    gray = picture.convert("L")
    gray.thumbnail((512, 512))
    if ImageStat.Stat(gray).mean[0] < DARK_BELOW:
        found.append(DARK)
    # The filter sees an edge all round the frame: leave the frame out.
    edges = gray.filter(ImageFilter.FIND_EDGES).crop((2, 2, gray.width - 2, gray.height - 2))
    if ImageStat.Stat(edges).var[0] < BLURRED_BELOW:
        found.append(BLURRED)
    return tuple(found)


def fingerprint(picture: Image.Image) -> str:
    """A difference hash: for each of 8 rows, whether brightness falls from one of 9
    columns to the next. Recompressing or resizing a picture barely changes it."""
    small = picture.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()  # one byte a pixel in mode L
    bits = 0
    for row in range(8):
        for column in range(8):
            left, right = pixels[row * 9 + column], pixels[row * 9 + column + 1]
            bits = (bits << 1) | (left > right)
    return f"{bits:016x}"


def same_picture(a: str, b: str, tolerance: int = 6) -> bool:
    """Whether two fingerprints are of the same picture (a few bits may differ)."""
    return bin(int(a, 16) ^ int(b, 16)).count("1") <= tolerance
