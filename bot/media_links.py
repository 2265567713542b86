"""Files of the media store at public addresses a platform can fetch (Twilio fetches the
photos Kriya sends on WhatsApp), unguessable to anyone else: each URL carries a token made
for exactly that path with a key only the server knows."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from storage.media import SUFFIXES, MediaStore

MEDIA_TYPES = {suffix: mime for mime, suffix in SUFFIXES.items()}
PATH = "/media/{token}/{path:path}"


class MediaLinks:
    def __init__(self, media: MediaStore, public_url: str, secret: str) -> None:
        self.media = media
        self.public_url = public_url.rstrip("/")
        self.key = hashlib.sha256(f"kriya-media:{secret}".encode()).digest()

    def token(self, path: str) -> str:
        return hmac.new(self.key, path.encode(), hashlib.sha256).hexdigest()[:32]

    def url(self, path: str) -> str:
        """The public URL of a file of the media store."""
        return f"{self.public_url}/media/{self.token(path)}/{path}"

    def route(self) -> Route:
        return Route(PATH, self.serve, methods=["GET"])

    async def serve(self, request: Request) -> Response:
        """The file, or 404 without the token made for exactly its path."""
        path, token = request.path_params["path"], request.path_params["token"]
        if not hmac.compare_digest(token, self.token(path)):
            return Response(status_code=404)
        return file_response(self.media.root, path) or Response(status_code=404)


def file_response(root: Path, path: str, headers: dict[str, str] | None = None
                  ) -> FileResponse | None:
    """A file of the media store, or None for a path outside it or no file there."""
    root = root.resolve()
    file = (root / path).resolve()
    if not file.is_relative_to(root) or not file.is_file():
        return None
    return FileResponse(file, media_type=MEDIA_TYPES.get(file.suffix, "image/jpeg"),
                        headers=headers)
