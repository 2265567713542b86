"""The media store: files people send (product photos), kept under KRIYA_MEDIA_DIR with
names derived from their content, so the same file twice is stored once."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
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
        return self.store(data, mime)[0]

    def store(self, data: bytes, mime: str | None = None) -> tuple[str, bool]:
        """Store `data`: its path, and whether this call wrote it (False: the same file
        was there already, perhaps someone else's)."""
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
            return relative.as_posix(), True
        return relative.as_posix(), False

    def remove(self, relatives: Iterable[str]) -> None:
        """Remove these files, those still there."""
        for relative in relatives:
            self.path(relative).unlink(missing_ok=True)

    def writable(self) -> bool:
        """Whether a file can be written in the store now (a probe, removed at once)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root, prefix=".probe-"):
                return True
        except OSError:
            return False

    def path(self, relative: str) -> Path:
        return self.root / relative
