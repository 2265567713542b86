"""Photos under load and when things fail: decoded no bigger than what is kept and a few at
a time, downloaded within one deadline a message, each failure told in its own words, and
nothing left on disk by a refused message."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageChops, ImageDraw

from bot import photos
from bot.channels.telegram.updates import fetch_photo as telegram_fetch
from bot.channels.whatsapp.forms import fetch_photo as whatsapp_fetch
from bot.config import Config
from conversations.messages import Photo
from storage import decoding
from storage.media import MediaStore
from storage.photos import MAX_SIDE, NotAPhoto, _flatten, save_picture
from tests.conftest import Chat, eventually, kriya_serve
from tests.test_products import answer_up_to_photos


def drawing(size: tuple[int, int]) -> Image.Image:
    """Lines on noise: every row differs from the one above, as in a photo."""
    picture = Image.effect_noise(size, 50).convert("RGB")
    draw = ImageDraw.Draw(picture)
    for x in range(0, size[0], 13):
        draw.line((x, 0, size[0] - x, size[1]), fill=(x % 255, 90, 200), width=3)
    return picture


def encoded(picture: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    picture.save(out, fmt, **options)
    return out.getvalue()


def unwritable(tmp_path: Path) -> Path:
    """A media folder nothing can be written in: read-only by its mode, or, where that
    stops nobody (tests run as root), a path under a file, which no one can create."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() != 0:
        return folder
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    return blocker / "media"


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# Decoding


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "L", "LA"])
def test_a_png_read_in_bands_has_the_pixels_of_a_whole_decode(mode):
    picture = drawing((600, 1100))
    picture = picture.convert("P", palette=Image.Palette.ADAPTIVE) if mode == "P" \
        else picture.convert(mode)
    data = encoded(picture, "PNG")
    whole = _flatten(Image.open(io.BytesIO(data)))
    for factor in (1, 3):
        banded = decoding._png_reduced(data, factor, _flatten)
        expected = whole.reduce(factor) if factor > 1 else whole
        assert ImageChops.difference(banded, expected).getbbox() is None


def test_a_big_jpeg_is_decoded_at_a_smaller_scale_and_a_big_png_a_band_at_a_time():
    seen: list[tuple[int, int]] = []

    def flatten(picture: Image.Image) -> Image.Image:
        seen.append(picture.size)
        return _flatten(picture)

    jpeg = Image.open(io.BytesIO(encoded(drawing((5400, 3000)), "JPEG")))
    kept = decoding.decode_fitted(jpeg, b"", MAX_SIDE, flatten)
    assert seen == [(2700, 1500)] and kept.size == (2560, 1422)  # libjpeg at a half
    seen.clear()
    data = encoded(Image.new("RGB", (5400, 3000), "orange"), "PNG")
    kept = decoding.decode_fitted(Image.open(io.BytesIO(data)), data, MAX_SIDE, flatten)
    assert kept.size == (2560, 1422)
    assert max(w * h for w, h in seen) <= 5400 * decoding.BAND_ROWS  # never whole


def test_a_png_turned_by_its_exif_is_stored_upright(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    data = encoded(drawing((1600, 1200)), "PNG", exif=exif.tobytes())
    stored = save_picture(MediaStore(tmp_path), data)
    assert (stored.width, stored.height) == (1200, 1600)


def test_a_picture_decodable_only_whole_is_refused_above_its_limit(tmp_path, monkeypatch):
    data = encoded(drawing((200, 150)), "WEBP")
    assert save_picture(MediaStore(tmp_path), data).width == 200
    monkeypatch.setattr(decoding, "FULL_DECODE_PIXELS", 200 * 150 - 1)
    with pytest.raises(NotAPhoto) as refused:
        save_picture(MediaStore(tmp_path), data)
    assert refused.value.reason == "too_many_pixels"


def run_holders(budget: decoding.Budget, costs: list[int]) -> int:
    """Threads holding `budget` for these costs; the most that ever ran at once."""
    running, most, lock = 0, 0, threading.Lock()
    started = threading.Barrier(len(costs))

    def work(cost: int) -> None:
        nonlocal running, most
        started.wait()
        with budget.hold(cost):
            with lock:
                running += 1
                most = max(most, running)
            for _ in range(20_000):  # a little work, with the others free to start
                pass
            with lock:
                running -= 1

    threads = [threading.Thread(target=work, args=(cost,)) for cost in costs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert budget.used == budget.running == 0
    return most


def test_at_most_two_pictures_are_decoded_at_once():
    assert decoding.BUDGET.slots == 2
    assert run_holders(decoding.Budget(total=1000, slots=2), [1] * 8) <= 2


def test_a_decode_bigger_than_the_budget_runs_alone():
    assert run_holders(decoding.Budget(total=100, slots=2), [500] * 4) == 1


def test_a_big_decode_is_not_overtaken_by_small_ones_that_came_after_it():
    budget = decoding.Budget(total=100, slots=2)
    order: list[str] = []
    release = threading.Event()

    def hold(name: str, cost: int) -> None:
        with budget.hold(cost):
            order.append(name)
            if name == "first":
                release.wait()

    threads = []
    for name, cost, tickets in (("first", 10, 1), ("big", 100, 2), ("late", 10, 3)):
        threads.append(threading.Thread(target=hold, args=(name, cost)))
        threads[-1].start()
        assert eventually(lambda: budget._tickets, lambda n, t=tickets: n == t) == tickets
    release.set()
    for thread in threads:
        thread.join()
    assert order == ["first", "big", "late"]


# Downloads: one deadline for the photos of a message


@pytest.fixture
def dripping() -> Iterator[str]:
    """A media host that sends a byte every tenth of a second and never finishes: each
    read succeeds long before a per-read timeout."""
    stop = threading.Event()

    class Drip(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/fast"):
                body = encoded(drawing((400, 300)), "JPEG")
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"\xff\xd8\xff")
            try:
                while not stop.wait(0.1):
                    self.wfile.write(b"\x00")
                    self.wfile.flush()
            except OSError:
                pass  # the client gave up

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    stop.set()
    server.shutdown()
    server.server_close()


def test_photos_from_a_dripping_host_are_given_up_at_the_message_deadline(dripping, tmp_path):
    assert photos.DOWNLOAD_SECONDS == 20  # all the photos of a message, together
    media = MediaStore(tmp_path)
    urls = [f"{dripping}/slow/1", f"{dripping}/slow/2", f"{dripping}/fast/3"]

    async def fetch() -> tuple[list[Photo], float]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + 1.0  # the message's deadline, shortened for the test
        async with httpx.AsyncClient() as http:
            fetched = await asyncio.gather(*(
                whatsapp_fetch(http, media, url, "image/jpeg", dripping, ("AC1", "t"),
                               deadline) for url in urls))
        return list(fetched), loop.time() - started

    fetched, seconds = asyncio.run(fetch())
    assert [p.failed for p in fetched] == ["download", "download", None]
    assert fetched[2].thumb is not None  # the one that came is kept
    assert 0.9 < seconds < 3  # one deadline for all, not one a read or a photo


def test_a_telegram_download_ends_at_the_deadline(tmp_path):
    class Never:
        file_size = None

        async def download_as_bytearray(self) -> bytearray:
            await asyncio.Event().wait()
            return bytearray()

    class Bot:
        async def get_file(self, ref: str) -> Never:
            return Never()

    async def fetch() -> Photo:
        deadline = asyncio.get_running_loop().time() + 0.2
        return await telegram_fetch(Bot(), MediaStore(tmp_path), Photo(ref="f1"), deadline)

    assert asyncio.run(fetch()).failed == "download"


# What the person is told, and what is kept


@pytest.fixture
def artisan_at_photos(chat: Chat) -> Chat:
    chat.register_artisan()
    answer_up_to_photos(chat)
    return chat


def jpeg_bytes(shade: int = 0) -> bytes:
    return encoded(drawing((1200 + shade, 900)), "JPEG")


WORDS = {"download": "coba kirim lagi", "storage": "coba lagi dalam beberapa menit",
         "not a photo": "bukan foto"}


@pytest.mark.parametrize(("photo", "kind"), [
    (Photo(ref="a", failed="download"), "download"),
    (Photo(ref="a", failed="storage"), "storage"),
    (Photo(ref="a", not_image=True), "not a photo"),
])
def test_each_failure_has_its_own_words(artisan_at_photos, photo, kind):
    chat = artisan_at_photos
    chat.say(photos=(photo,))
    assert WORDS[kind] in chat.text and chat.step == "product:photos"
    assert not any(words in chat.text for other, words in WORDS.items() if other != kind)


def test_a_photo_the_store_cannot_keep_is_told_and_the_answers_stay(
    artisan_at_photos, tmp_path, caplog
):
    chat = artisan_at_photos
    folder = unwritable(tmp_path)
    with caplog.at_level(logging.ERROR, logger="kriya.photos"):
        photo = asyncio.run(photos.keep(MediaStore(folder), jpeg_bytes(), "ref"))
    assert photo.failed == "storage"
    assert str(folder) in caplog.text  # the log names the folder
    chat.say(photos=(photo,))
    assert "dalam beberapa menit" in chat.text and chat.step == "product:photos"
    media = MediaStore(chat.conversations.settings.media_dir)
    chat.say(photos=(asyncio.run(photos.keep(media, jpeg_bytes(), "ref")),))
    assert chat.step == "product:packaging"
    chat.say("lewati")
    assert "Kain Tenun Songket Subahnale" in chat.text  # nothing answered before was lost


def test_a_refused_message_leaves_no_file_but_an_earlier_photo_stays(artisan_at_photos):
    chat = artisan_at_photos
    root = Path(chat.conversations.settings.media_dir)
    media = MediaStore(root)

    def sent(*files: bytes) -> tuple[Photo, ...]:
        return tuple(asyncio.run(photos.keep(media, data, f"ref{n}"))
                     for n, data in enumerate(files))

    chat.say(photos=sent(jpeg_bytes(0), jpeg_bytes(1), b"%PDF-1.4 not a photo"))
    assert "bukan foto" in chat.text and stored_files(root) == []
    chat.say(photos=sent(jpeg_bytes(0)))
    assert chat.step == "product:packaging"
    kept = stored_files(root)
    assert len(kept) == 2  # the photo and its thumbnail
    # The same picture again, with a new one, refused: only the new one's files go.
    chat.say(photos=sent(jpeg_bytes(0), jpeg_bytes(2), b"not a photo"))
    assert chat.step == "product:packaging" and stored_files(root) == kept


# Over HTTP


def test_telegram_answers_a_storage_failure_with_its_words_not_an_error(
    fake, database_url, tmp_path
):
    from tests.test_telegram import CHAT, SECRET, User_, picture

    config = Config(
        KRIYA_DATABASE_URL=database_url, KRIYA_PUBLIC_URL="https://kriya.example.id",
        TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE_URL=fake.api_base, TELEGRAM_FILE_BASE_URL=fake.file_base,
        KRIYA_MEDIA_DIR=str(unwritable(tmp_path)))
    with kriya_serve(config) as kriya:
        siti = User_(kriya, fake)
        siti.says("/start")
        fake.files["p1"] = picture(900)
        assert siti.sends_photo("p1", 2000).status_code == 200
        assert "dalam beberapa menit" in fake.sent(CHAT)[-1]["text"]
        health = kriya.get("/healthz").json()
        assert health["media"] == "not writable" and health["status"] == "degraded"


def test_healthz_says_the_media_folder_is_fine(database_url, tmp_path):
    config = Config(KRIYA_DATABASE_URL=database_url, KRIYA_MEDIA_DIR=str(tmp_path / "media"))
    with kriya_serve(config) as kriya:
        response = kriya.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "media": "ok"}


@pytest.fixture
def fake():
    from tests.fake_telegram import FakeTelegram, ServerThread, free_port

    fake = FakeTelegram(port=free_port())
    with ServerThread(fake.app(), fake.port):
        yield fake
