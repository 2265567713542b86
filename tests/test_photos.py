"""Product photos through Pillow: images made here, each the kind a user really sends."""

from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
from PIL import Image, ImageDraw, ImageFilter

from conversations.photos import (
    BLURRED,
    DARK,
    SMALL,
    NotAPhoto,
    same_picture,
    store_photo,
)
from storage.media import MediaStore


def woven_cloth(size=(1600, 1200), blur: float = 0, darken: int = 1) -> Image.Image:
    """A photo-like picture: a gradient background and a cloth of crossing threads."""
    picture = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(picture)
    w, h = size
    for x in range(w // 4, 3 * w // 4, 12):
        draw.line([(x, h // 5), (x, 4 * h // 5)], fill=(180, 60, 30), width=4)
    for y in range(h // 5, 4 * h // 5, 12):
        draw.line([(w // 4, y), (3 * w // 4, y)], fill=(40, 80, 160), width=2)
    if blur:
        picture = picture.filter(ImageFilter.GaussianBlur(blur))
    if darken > 1:
        picture = picture.point(lambda v: v // darken)
    return picture


def encoded(picture: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    picture.save(out, fmt, **options)
    return out.getvalue()


@pytest.fixture
def media(tmp_path) -> MediaStore:
    return MediaStore(tmp_path / "media")


def test_a_good_photo_is_stored_as_jpeg_with_a_thumbnail_and_no_advice(media):
    stored = store_photo(media, encoded(woven_cloth()))
    assert stored.advice == ()
    kept, thumb = Image.open(media.path(stored.path)), Image.open(media.path(stored.thumb))
    assert kept.format == "JPEG" and kept.size == (1600, 1200)
    assert thumb.format == "JPEG" and max(thumb.size) == 320
    # Named by content: the same bytes give the same name.
    assert stored.path.endswith(".jpg") and store_photo(media, encoded(woven_cloth())).path \
        == stored.path


def test_gps_and_all_exif_are_removed_before_storing(media):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "S", 2: (8.0, 35.0, 0.0), 3: "E", 4: (116.0, 7.0, 0.0)}  # GPS
    data = encoded(woven_cloth(), "PNG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # it was there
    stored = store_photo(media, data)
    raw = media.path(stored.path).read_bytes()
    assert len(Image.open(media.path(stored.path)).getexif()) == 0
    assert b"PhoneMaker" not in raw and b"Exif" not in raw


def test_a_sideways_phone_photo_is_stored_upright(media):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to view
    stored = store_photo(media, encoded(woven_cloth((1600, 1200)), exif=exif.tobytes()))
    assert (stored.width, stored.height) == (1200, 1600)


def test_a_tiny_photo_gets_advice_not_refusal(media):
    stored = store_photo(media, encoded(woven_cloth((400, 300))))
    assert SMALL in stored.advice and media.path(stored.path).exists()


def test_a_very_dark_photo_gets_advice(media):
    assert DARK in store_photo(media, encoded(woven_cloth(darken=8))).advice


def test_a_blurred_photo_gets_advice(media):
    assert BLURRED in store_photo(media, encoded(woven_cloth(blur=6))).advice
    assert BLURRED not in store_photo(media, encoded(woven_cloth(blur=1))).advice


def test_a_6000_by_6000_photo_is_kept_smaller(media):
    stored = store_photo(media, encoded(woven_cloth((6000, 6000)), quality=70))
    assert (stored.width, stored.height) == (2560, 2560)
    assert media.path(stored.path).stat().st_size < 3 * 1024 * 1024


def test_random_bytes_named_jpg_are_not_a_photo(media, tmp_path):
    with pytest.raises(NotAPhoto) as refused:
        store_photo(media, os.urandom(50_000))
    assert refused.value.reason == "not_image"
    truncated = encoded(woven_cloth())[:5000]
    with pytest.raises(NotAPhoto):
        store_photo(media, truncated)
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.jpg"))


def png_bomb(side: int) -> bytes:
    """A valid PNG of side x side black pixels that compresses to a few kilobytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit grey
    row = b"\0" + b"\0" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body)
            + chunk(b"IEND", b""))


def test_a_decompression_bomb_is_refused_before_decoding(media):
    bomb = png_bomb(30_000)  # 900 million pixels in a few hundred kilobytes
    assert len(bomb) < 2 * 1024 * 1024
    with pytest.raises(NotAPhoto) as refused:
        store_photo(media, bomb)
    assert refused.value.reason == "too_many_pixels"


def test_the_same_photo_twice_is_noticed_even_recompressed(media):
    picture = woven_cloth()
    first = store_photo(media, encoded(picture, quality=95))
    again = store_photo(media, encoded(picture.resize((1200, 900)), quality=60))
    other = store_photo(media, encoded(woven_cloth().rotate(90, expand=True)))
    assert same_picture(first.fingerprint, again.fingerprint)
    assert not same_picture(first.fingerprint, other.fingerprint)


def test_an_image_of_a_few_pixels_is_not_a_photo(media):
    with pytest.raises(NotAPhoto):
        store_photo(media, encoded(Image.new("RGB", (3, 3), "red"), "PNG"))
