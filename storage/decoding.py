"""Pictures decoded no bigger than what is kept, and only a few at a time.

A 62 kB PNG may hold 7000 x 7000 pixels: decoded whole, that is 196 MB (Pillow keeps
three colours in four bytes), and a copy for every step after it. So a picture is decoded
only as large as the kept copy needs: a JPEG at a half, a quarter or an eighth of its size
(libjpeg scales while it decodes), a PNG a band of rows at a time, each band made smaller
before the next is read. Other pictures (WebP, an interlaced or 16-bit PNG) are decoded
whole, and only when they are of a size a phone takes.

However small each is, four photos at once would still add up: decoding waits for its turn
under one budget for the whole process (`BUDGET`), and after a big one the memory goes
back to the system (glibc keeps freed memory for itself otherwise).
"""

from __future__ import annotations

import ctypes
import io
import math
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PIL import Image

BYTES_PER_PIXEL = 4  # what Pillow keeps for RGB, RGBA and LA alike
FULL_DECODE_PIXELS = 25_000_000  # a picture decoded whole: at most this many pixels
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by colour type, at 8 bits a channel
BAND_ROWS = 256  # about how many rows of a PNG are decoded at once
TRIM_ABOVE = 32 * 2**20  # after holding this many bytes of pixels, give memory back
# The EXIF orientations, as ImageOps.exif_transpose turns them upright.
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
           4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
           6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}


class TooLarge(Exception):
    """A picture that could only be decoded whole, too big to be."""


class Budget:
    """At most `slots` decodes at once, holding at most `total` bytes of pixels between
    them; a decode bigger than the whole budget runs alone. Each starts in the order it
    came: a big picture is not kept waiting by small ones forever."""

    def __init__(self, total: int, slots: int) -> None:
        self.total, self.slots = total, slots
        self.used = self.running = 0
        self._changed = threading.Condition()
        self._tickets = self._next = 0  # handed out, and the next to start

    @contextmanager
    def hold(self, cost: int) -> Iterator[None]:
        cost = min(cost, self.total)
        with self._changed:
            ticket, self._tickets = self._tickets, self._tickets + 1
            self._changed.wait_for(lambda: ticket == self._next and self.running < self.slots
                                   and self.used + cost <= self.total)
            self._next += 1
            self.used += cost
            self.running += 1
            self._changed.notify_all()
        try:
            yield
        finally:
            with self._changed:
                self.used -= cost
                self.running -= 1
                self._changed.notify_all()
            if cost >= TRIM_ABOVE:
                give_back_memory()


BUDGET = Budget(total=160 * 2**20, slots=2)


def _glibc_memory() -> Callable[[], object]:
    """On glibc, blocks of 8 MB or more (a picture's rows) are mapped each on its own, so
    that freeing one gives it back to the system in whichever thread it was made (by
    default glibc raises that size as big blocks are freed, then keeps them in the
    thread's heap); a trim gives back what smaller blocks leave free. (Smaller ones, a
    PNG's bands, are reused from the heap: mapping each anew takes twice the time.)
    Elsewhere, nothing."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        trim, mallopt = libc.malloc_trim, libc.mallopt
    except (OSError, AttributeError):
        return lambda: None
    mallopt(M_MMAP_THRESHOLD, 8 << 20)
    return lambda: trim(0)


M_MMAP_THRESHOLD = -3  # mallopt's parameter, from glibc's malloc.h
give_back_memory = _glibc_memory()


def fitted_size(size: tuple[int, int], side: int) -> tuple[int, int]:
    """`size` made to fit in a square of `side`, never larger."""
    width, height = size
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def cost(picture: Image.Image, side: int) -> int:
    """About how many bytes decoding `picture` (opened, not decoded) for `side` holds."""
    width, height = picture.size
    kept = math.prod(fitted_size(picture.size, side)) * BYTES_PER_PIXEL
    if picture.format == "JPEG":
        scale = _jpeg_scale(picture.size, side)
        # A progressive JPEG's coefficients are all held while it decodes, at any scale.
        coefficients = width * height * 3 if picture.info.get("progressive") else 0
        return (width // scale) * (height // scale) * BYTES_PER_PIXEL * 2 + kept \
            + coefficients
    if picture.format == "PNG":
        factor = _factor(picture.size, side)
        band = width * BAND_ROWS * BYTES_PER_PIXEL * 3
        return (width // factor) * (height // factor) * BYTES_PER_PIXEL + band + kept
    return width * height * BYTES_PER_PIXEL * 2


def _jpeg_scale(size: tuple[int, int], side: int) -> int:
    """What libjpeg divides the size by when asked for at least the kept size (as
    JpegImageFile.draft chooses)."""
    wanted = fitted_size(size, side)
    scale = min(size[0] // wanted[0], size[1] // wanted[1])
    return next(s for s in (8, 4, 2, 1) if scale >= s)


def _factor(size: tuple[int, int], side: int) -> int:
    """The whole number a band of rows is divided by, leaving at least the kept size."""
    return max(1, max(size) // side)


def decode_fitted(picture: Image.Image, data: bytes, side: int,
                  flatten: Callable[[Image.Image], Image.Image]) -> Image.Image:
    """`picture` (opened from `data`, not decoded) as RGB pixels, upright, fitted in a
    square of `side`; `flatten` makes any mode RGB. Raises TooLarge, or what Pillow
    raises for a damaged file."""
    orientation = _orientation(picture, data)
    reduced = None
    if picture.format == "JPEG":
        picture.draft("RGB", fitted_size(picture.size, side))
        picture.load()
        reduced = flatten(picture)
    elif picture.format == "PNG":
        reduced = _png_reduced(data, _factor(picture.size, side), flatten)
    if reduced is None:
        if picture.width * picture.height > FULL_DECODE_PIXELS:
            raise TooLarge(picture.size)
        picture.load()
        reduced = flatten(picture)
    reduced.thumbnail((side, side), Image.Resampling.LANCZOS)
    if orientation in UPRIGHT:
        reduced = reduced.transpose(UPRIGHT[orientation])
    return reduced


def _orientation(picture: Image.Image, data: bytes) -> int:
    """The EXIF orientation, read without decoding (a PNG's getexif would decode it)."""
    if picture.format == "PNG":
        found = next((body for kind, body in _png_chunks(data) if kind == b"eXIf"), None)
        if found is None:
            return 1
        exif = Image.Exif()
        exif.load(bytes(found))
        return int(exif.get(0x0112, 1))
    return int(picture.getexif().get(0x0112, 1))


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, memoryview]]:
    view = memoryview(data)
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", view[position:position + 8])
        yield kind, view[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b"IEND":
            return


def _png_chunk(kind: bytes, body: bytes | memoryview) -> bytes:
    crc = zlib.crc32(body, zlib.crc32(kind))
    return struct.pack(">I", len(body)) + kind + bytes(body) + struct.pack(">I", crc)


def _png_reduced(data: bytes, factor: int,
                 flatten: Callable[[Image.Image], Image.Image]) -> Image.Image | None:
    """A PNG decoded a band of rows at a time, each band made `factor` times smaller as it
    comes; None for a PNG this cannot read in bands (interlaced, not 8 bits a channel)."""
    chunks = list(_png_chunks(data))
    kind, header = chunks[0]
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if kind != b"IHDR" or depth != 8 or interlace or colour not in PNG_CHANNELS:
        return None
    canvas = Image.new("RGB", (math.ceil(width / factor), math.ceil(height / factor)))
    rows = max(1, BAND_ROWS // factor) * factor  # bands reduce exactly as the whole would
    top = 0
    for band in _png_bands(chunks, width, height, colour, rows):
        band = flatten(band)
        canvas.paste(band.reduce(factor) if factor > 1 else band, (0, top // factor))
        top += band.height
    return canvas


def _png_bands(chunks: list[tuple[bytes, memoryview]], width: int, height: int,
               colour: int, rows: int) -> Iterator[Image.Image]:
    """The rows of a PNG in bands, each its own small PNG for Pillow to decode. A row is
    stored relative to the one above it: each band starts with the last row of the band
    before, stored as it is, and leaves it out once decoded."""
    stride = width * PNG_CHANNELS[colour] + 1  # a filter byte, then the row
    kept = b"".join(_png_chunk(kind, body) for kind, body in chunks
                    if kind in (b"PLTE", b"tRNS"))
    compressed = (body for kind, body in chunks if kind == b"IDAT")
    inflate = zlib.decompressobj()
    pending = bytearray()
    above = b""
    for top in range(0, height, rows):
        count = min(rows, height - top)
        while len(pending) < count * stride:
            source = inflate.unconsumed_tail or next(compressed, None)
            if source is None:
                raise OSError("the PNG ends before its last row")
            pending += inflate.decompress(source, count * stride - len(pending))
        body = (b"\x00" + above if above else b"") + pending[:count * stride]
        del pending[:count * stride]
        band_height = count + (1 if above else 0)
        header = struct.pack(">IIBBBBB", width, band_height, 8, colour, 0, 0, 0)
        png = (PNG_SIGNATURE + _png_chunk(b"IHDR", header) + kept
               + _png_chunk(b"IDAT", zlib.compress(body, 0)) + _png_chunk(b"IEND", b""))
        band = Image.open(io.BytesIO(png))
        band.load()
        above = band.crop((0, band_height - 1, width, band_height)).tobytes()
        yield band.crop((0, 1, width, band_height)) if band_height > count else band
