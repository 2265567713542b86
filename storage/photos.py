"""Photos kept in the media store: real images only, stored as clean JPEGs.

Whatever arrives (a phone's JPEG, a PNG screenshot, a file named .jpg that is not one) is
opened by Pillow, never trusted by its name or type. A picture that would decode into more
pixels than any phone takes is refused before it is decoded (a decompression bomb). What is
kept is re-encoded from the pixels alone, so EXIF metadata, GPS above all, is gone; it is
turned upright first, as the phone meant it. Each photo gets a thumbnail, a fingerprint
that barely changes when the same picture is sent again, even recompressed, and the
measures by which conversations.photos advises on it (size, brightness, sharpness). Its
pixels are decoded no larger than the kept copy needs, a few pictures at a time
(storage.decoding).
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageStat, UnidentifiedImageError

from storage import decoding
from storage.media import MediaStore

FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 50_000_000  # more than any phone camera takes (a 6000 x 6000 photo is 36 M)
MAX_SIDE = 2560  # what is kept: plenty for judging, a few hundred kB
THUMB_SIDE = 320
JPEG_QUALITY = 85
MIN_SIDE = 16  # smaller than this is not a photo at all
MEASURED_SIDE = 512  # brightness and sharpness are measured on the picture scaled to this


class NotAPhoto(Exception):
    """Not an image Pillow can read, or one too large to decode safely."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "not_image" or "too_many_pixels"


@dataclass(frozen=True)
class Picture:
    """A photo as stored, and what was measured of it before it was made smaller."""

    path: str  # in the media store
    thumb: str
    width: int  # as kept
    height: int
    short_side: int  # of the picture as sent
    fingerprint: str  # 16 hex digits; near-equal for the same picture
    brightness: float  # mean, 0-255
    sharpness: float  # variance of its edges at MEASURED_SIDE
    new_files: tuple[str, ...] = ()  # those of path and thumb this call wrote


def save_picture(media: MediaStore, data: bytes) -> Picture:
    """Check, clean, measure and store one photo; raises NotAPhoto for anything else, and
    OSError when the media store cannot keep it."""
    probe = _open(data)
    short_side = min(probe.size)
    # Its turn among the pictures being decoded, then no more pixels than the kept copy;
    # they are all gone when its turn ends, and the memory with them.
    with decoding.BUDGET.hold(decoding.cost(probe, MAX_SIDE)):
        made = _made(probe, data)
    kept, kept_new = media.store(made.jpeg, "image/jpeg")
    thumb, thumb_new = media.store(made.thumb_jpeg, "image/jpeg")
    return Picture(path=kept, thumb=thumb, width=made.width, height=made.height,
                   short_side=short_side, fingerprint=made.fingerprint,
                   brightness=made.brightness, sharpness=made.sharpness,
                   new_files=tuple(path for path, new in ((kept, kept_new),
                                                          (thumb, thumb_new)) if new))


@dataclass(frozen=True)
class _Made:
    """What is kept of a picture's pixels: its JPEGs and measures."""

    jpeg: bytes
    thumb_jpeg: bytes
    width: int
    height: int
    fingerprint: str
    brightness: float
    sharpness: float


def _made(probe: Image.Image, data: bytes) -> _Made:
    picture = _decode(probe, data)
    brightness, sharpness = _measure(picture)
    thumb = picture.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return _Made(_jpeg(picture), _jpeg(thumb), picture.width, picture.height,
                 fingerprint(picture), brightness, sharpness)


def _open(data: bytes) -> Image.Image:
    """The picture with its header read and checked, its pixels not yet decoded."""
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
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise NotAPhoto("too_many_pixels") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise NotAPhoto("not_image") from error


def _decode(picture: Image.Image, data: bytes) -> Image.Image:
    """Upright RGB pixels, fitted in MAX_SIDE."""
    try:
        return decoding.decode_fitted(picture, data, MAX_SIDE, _flatten)
    except decoding.TooLarge as error:
        raise NotAPhoto("too_many_pixels") from error
    except (OSError, SyntaxError, ValueError, IndexError, struct.error, zlib.error) as error:
        raise NotAPhoto("not_image") from error


def _flatten(picture: Image.Image) -> Image.Image:
    """RGB pixels only: transparency on white (a PNG cut-out), no palette, no metadata."""
    if picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info):
        picture = picture.convert("RGBA")
        background = Image.new("RGB", picture.size, "white")
        background.paste(picture, mask=picture.getchannel("A"))
        return background
    if picture.mode == "RGB":
        return picture  # as it is: a copy of a big picture is as big again
    return picture.convert("RGB")


def _jpeg(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    # No exif= and no icc_profile=: what was in the original stays out of the copy.
    picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _measure(picture: Image.Image) -> tuple[float, float]:
    """Mean brightness, and the variance of the edges (low when blurred)."""
    gray = picture.convert("L")
    gray.thumbnail((MEASURED_SIDE, MEASURED_SIDE))
    # The filter sees an edge all round the frame: leave the frame out.
    edges = gray.filter(ImageFilter.FIND_EDGES).crop((2, 2, gray.width - 2, gray.height - 2))
    return ImageStat.Stat(gray).mean[0], ImageStat.Stat(edges).var[0]


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
