"""Four 7000 x 7000 photos at once through the photo pipeline: the process's peak memory,
and what it keeps afterwards.

    python bench/photos.py [--count N] [--side PIXELS]

The pictures are real files made with Pillow beforehand, in another process: a PNG of a
few tens of kB (flat colour with a drawing: what a decompression trick looks like) and a
JPEG of a photo's grain. Each kind then goes, `--count` at once, through what a webhook
does with a downloaded photo (bot.photos.keep: checked, decoded, measured, stored), in a
fresh process that has imported the server first, so its starting memory is like a
server's. Targets: a peak under 400 MB, and back within 50 MB of the start.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import threading
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=4)
    parser.add_argument("--side", type=int, default=7000)
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


if __name__ == "__main__":
    main()
