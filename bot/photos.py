"""Photos a channel downloaded, checked and stored for the conversation to use.

The photos of one message come within one deadline (`DOWNLOAD_SECONDS`, all of them
together, however slowly a server drips them); each that does not, or that the media store
cannot keep, is marked so, and the person is told which it was: nothing is answered with an
error for the platform to send again."""

from __future__ import annotations

import asyncio
import logging
import time

import anyio.to_thread

from conversations.messages import Photo
from conversations.photos import NotAPhoto, store_photo
from storage.media import MediaStore

log = logging.getLogger("kriya.photos")
DOWNLOAD_SECONDS = 20.0  # for all the photos of one message
DOWNLOAD, STORAGE = "download", "storage"  # Photo.failed
SLOW_SECONDS = 3.0  # a photo taking longer to check and store is logged


def deadline() -> float:
    """When the downloads of a message starting now must be done, on the loop's clock."""
    return asyncio.get_running_loop().time() + DOWNLOAD_SECONDS


def not_downloaded(ref: str, mime: str | None, why: object) -> Photo:
    log.warning("could not download photo %s: %s", ref, why or type(why).__name__)
    return Photo(ref=ref, mime=mime, failed=DOWNLOAD)


async def keep(media: MediaStore, data: bytes, ref: str) -> Photo:
    """Store `data` as a clean JPEG, or say it is not a photo, or that it could not be
    stored. Pillow's work runs in a thread: a large photo takes a moment to decode, and
    other users' messages go on."""
    started = time.monotonic()
    try:
        stored = await anyio.to_thread.run_sync(store_photo, media, data)
    except NotAPhoto:
        return Photo(ref=ref, size=len(data), not_image=True)
    except OSError as error:
        log.error("could not store a photo in the media folder %s: %s",
                  media.root.resolve(), error)
        return Photo(ref=ref, size=len(data), failed=STORAGE)
    seconds = time.monotonic() - started
    if seconds > SLOW_SECONDS:  # a big picture, or many at once waiting for their turn
        log.info("a photo of %d kB took %.1f s to check and store (%d x %d kept)",
                 len(data) // 1024, seconds, stored.width, stored.height)
    return Photo(ref=stored.path, mime="image/jpeg", size=len(data), thumb=stored.thumb,
                 fingerprint=stored.fingerprint, advice=stored.advice,
                 new_files=stored.new_files)
