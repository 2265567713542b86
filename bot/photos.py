"""Photos a channel downloaded, checked and stored for the conversation to use."""

from __future__ import annotations

import anyio.to_thread

from conversations.messages import Photo
from conversations.photos import NotAPhoto, store_photo
from storage.media import MediaStore


async def keep(media: MediaStore, data: bytes, ref: str) -> Photo:
    """Store `data` as a clean JPEG, or say it is not a photo. Pillow's work runs in a
    thread: a large photo takes a moment to decode, and other users' messages go on."""
    try:
        stored = await anyio.to_thread.run_sync(store_photo, media, data)
    except NotAPhoto:
        return Photo(ref=ref, size=len(data), not_image=True)
    return Photo(ref=stored.path, mime="image/jpeg", size=len(data), thumb=stored.thumb,
                 fingerprint=stored.fingerprint, advice=stored.advice)
