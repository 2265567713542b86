"""Product photos judged for a curator: advice on what would help (too small, too dark,
blurred) rather than a refusal, and the same picture sent twice, even recompressed, kept
once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from conversations.messages import Photo
from storage.media import MediaStore
from storage.photos import NotAPhoto, Picture, save_picture

MIN_SHORT_SIDE = 800  # below this a curator cannot see the work
DARK_BELOW = 60  # mean brightness, 0-255
BLURRED_BELOW = 100.0  # variance of the edges (storage.photos measures it)
# Bits of two fingerprints that may differ for one picture: a copy recompressed or made
# smaller differs in 1 to 4 of the 64, another photo of the same thing in more. A photo
# taken for a copy is not lost unseen: the person is told it was kept once.
SAME_WITHIN = 4

# Advice codes; the flows word them in the user's language.
SMALL, DARK, BLURRED = "small", "dark", "blurred"

__all__ = ["BLURRED", "DARK", "SMALL", "NotAPhoto", "StoredPhoto", "distinct", "same_picture",
           "store_photo"]


@dataclass(frozen=True)
class StoredPhoto:
    """A photo in the media store with the advice it earned."""

    path: str
    thumb: str
    width: int
    height: int
    fingerprint: str
    advice: tuple[str, ...]
    new_files: tuple[str, ...] = ()  # of path and thumb, those this photo wrote


def advice(picture: Picture) -> tuple[str, ...]:
    found = []
    if picture.short_side < MIN_SHORT_SIDE:
        found.append(SMALL)
    if picture.brightness < DARK_BELOW:
        found.append(DARK)
    if picture.sharpness < BLURRED_BELOW:
        found.append(BLURRED)
    return tuple(found)


def store_photo(media: MediaStore, data: bytes) -> StoredPhoto:
    """Check, clean and keep one photo, with advice; raises NotAPhoto for anything else,
    and OSError when the media store cannot keep it."""
    picture = save_picture(media, data)
    return StoredPhoto(picture.path, picture.thumb, picture.width, picture.height,
                       picture.fingerprint, advice(picture), picture.new_files)


def same_picture(a: str | None, b: str | None) -> bool:
    """Whether two fingerprints are of the same picture (a few bits may differ)."""
    if not a or not b:
        return False
    return bin(int(a, 16) ^ int(b, 16)).count("1") <= SAME_WITHIN


def distinct(photos: Iterable[Photo]) -> list[Photo]:
    """The photos with every repeat left out: the same file, or the same picture again."""
    kept: list[Photo] = []
    for photo in photos:
        if any(photo.ref == other.ref or same_picture(photo.fingerprint, other.fingerprint)
               for other in kept):
            continue
        kept.append(photo)
    return kept
