"""The media store: files people send (product photos), kept under KRIYA_MEDIA_DIR with
names derived from their content, so the same file twice is stored once."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

SUFFIXES = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp",
    "text/csv": ".csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}


class MediaStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def save(self, data: bytes, mime: str | None = None) -> str:
        """Store `data`; returns its path relative to the store, e.g. 'ab/abcdef....jpg'."""
        digest = hashlib.sha256(data).hexdigest()
        relative = Path(digest[:2]) / f"{digest}{SUFFIXES.get(mime or '', '.bin')}"
        target = self.root / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            # Write aside, then rename: a reader never sees half a file.
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(temporary, target)
        return relative.as_posix()

    def path(self, relative: str) -> Path:
        return self.root / relative
