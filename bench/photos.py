"""Four 7000 x 7000 photos at once through the photo pipeline: the process's peak memory,
and what it keeps afterwards.

    python bench/photos.py [--count N] [--side PIXELS] [--server]

The pictures are real files made with Pillow beforehand, in another process: a PNG of a
few hundred kB (flat colour with a drawing: what a decompression trick looks like) and a
JPEG of a photo's grain. Each kind then goes, `--count` at once, through what a webhook
does with a downloaded photo (bot.photos.keep: checked, decoded, measured, stored), in a
fresh process that has imported the server first, so its starting memory is like a
server's. With --server, the PNG also goes to `kriya serve` in its own process, sent at
once by `--count` people as Telegram files. Targets: a peak under 400 MB, and back within
50 MB of the start.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_PEAK_MB, TARGET_KEPT_MB = 400, 50


def rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def make(folder: Path, side: int) -> None:
    from PIL import Image, ImageDraw

    flat = Image.new("RGB", (side, side), (200, 170, 120))
    draw = ImageDraw.Draw(flat)
    for i in range(0, side // 2, side // 40):
        draw.ellipse((i, i, side - i, side - i), outline=(90, 40, 20), width=9)
    flat.save(folder / "big.png", optimize=True)
    grain = Image.effect_noise((side, side), 40).convert("RGB")
    Image.blend(grain, flat, 0.6).save(folder / "big.jpg", quality=90)


def run(path: Path, count: int) -> None:
    import bot.server  # noqa: F401  (a server's modules, for a server's starting memory)
    from bot import photos
    from storage.media import MediaStore

    data = [path.read_bytes() for _ in range(count)]  # as downloaded, one copy each
    peak = 0.0
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mb())
            time.sleep(0.005)

    async def all_at_once(media: MediaStore) -> list:
        return await asyncio.gather(*(photos.keep(media, d, f"ref{n}")
                                      for n, d in enumerate(data)))

    with tempfile.TemporaryDirectory() as store:
        before = rss_mb()
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.perf_counter()
        kept = asyncio.run(all_at_once(MediaStore(store)))
        seconds = time.perf_counter() - started
        done.set()
        watcher.join()
        after = rss_mb()
    peak = max(peak, rss_mb("VmHWM"))
    assert all(photo.thumb for photo in kept), kept
    print(f"{path.name:8} x{count} ({len(data[0]) / 1024:,.0f} kB each): "
          f"before {before:.0f} MB, peak {peak:.0f} MB (+{peak - before:.0f}), "
          f"after {after:.0f} MB (+{after - before:.0f}), {seconds:.1f} s  "
          f"[{'ok' if peak < TARGET_PEAK_MB and after - before < TARGET_KEPT_MB else 'OVER'}]")


def serve(path: Path, count: int) -> None:
    """`--count` people sending the picture at once as a file, as Telegram documents, to
    `kriya serve` in its own process (SQLite, the tests' fake Bot API): that process's
    memory before, at its peak and after."""
    import httpx
    import webhook  # bench/webhook.py: its way of running kriya serve

    from tests.fake_telegram import FakeTelegram, ServerThread

    fake = FakeTelegram(token=webhook.TOKEN, port=webhook.free_port())
    fake.files.update({f"f{n}": path.read_bytes() for n in range(count)})
    port = webhook.free_port()
    url = f"http://{webhook.HOST}:{port}"
    command = [sys.executable, "-m", "bot", "serve", "--host", webhook.HOST, "--port", str(port)]
    with ServerThread(fake.app(), fake.port), tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        database_url = f"sqlite:///{folder / 'kriya.db'}"
        with webhook.running(command, webhook.kriya_env(database_url, folder, fake.port), folder,
                             folder / "kriya.log") as kriya:
            webhook.wait_until_ready(f"{url}/healthz", kriya, folder / "kriya.log")
            status = Path(f"/proc/{kriya.pid}/status")

            def rss(field: str = "VmRSS") -> float:
                line = next(x for x in status.read_text().splitlines() if x.startswith(field))
                return int(line.split()[1]) / 1024

            def document(n: int) -> httpx.Response:
                chat = 6_000_000 + n
                who = {"id": chat, "is_bot": False, "first_name": "Siti"}
                message = {"message_id": 1, "date": int(time.time()), "from": who,
                           "chat": {"id": chat, "type": "private"},
                           "document": {"file_id": f"f{n}", "file_unique_id": f"u{n}",
                                        "mime_type": "image/png", "file_size": 70_000}}
                return httpx.post(f"{url}/telegram/webhook", timeout=120,
                                  json={"update_id": 10 + n, "message": message},
                                  headers={"X-Telegram-Bot-Api-Secret-Token": webhook.SECRET})

            before, peak, done = rss(), 0.0, threading.Event()

            def watch() -> None:
                nonlocal peak
                while not done.is_set():
                    peak = max(peak, rss())
                    time.sleep(0.005)

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            started = time.perf_counter()
            with ThreadPoolExecutor(count) as pool:
                codes = [r.status_code for r in pool.map(document, range(count))]
            seconds = time.perf_counter() - started
            done.set()
            watcher.join()
            after = rss()
            stored = len(list((folder / "media").rglob("*.jpg")))
    print(f"kriya serve, {path.name} x{count} as Telegram files (answers {codes}, "
          f"{stored} files kept): before {before:.0f} MB, peak {peak:.0f} MB "
          f"(+{peak - before:.0f}), after {after:.0f} MB (+{after - before:.0f}), "
          f"{seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=4)
    parser.add_argument("--side", type=int, default=7000)
    parser.add_argument("--server", action="store_true",
                        help="also send the PNG to kriya serve, as Telegram files")
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--make", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make(args.make, args.side)
        return
    if args.run:
        run(args.run, args.count)
        return
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, __file__, "--make", folder, "--side", str(args.side)],
                       check=True)
        for name in ("big.png", "big.jpg"):
            subprocess.run([sys.executable, __file__, "--run", str(Path(folder) / name),
                            "--count", str(args.count)], check=True)
        if args.server:
            serve(Path(folder) / "big.png", args.count)


if __name__ == "__main__":
    main()
