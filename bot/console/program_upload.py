"""Uploading a program file from the console: read as `kriya programs import` reads it,
shown first as what it would do (programs added, changed, and how), imported only when
the staff member confirms. Until then the file waits in the media folder under a random
token, for that staff member and office only; a file with any bad row imports nothing.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path, PurePath
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.console import web
from bot.console.web import PREFIX, Console, Desk
from conversations import audit, programs
from conversations.i18n import N_
from conversations.program_files import PROGRAM_COLUMNS, ProgramFileError, rows_of
from conversations.table_files import Table

MOST_BYTES = 2 * 1024 * 1024  # a program file larger than this is refused
TOO_LARGE = N_("The file is larger than 2 MB. Split it into smaller files and upload each.")
WAITING = "program-uploads"  # the media folder's folder of files waiting for a yes
KEEP_SECONDS = 24 * 3600  # a file nobody confirmed is removed after this
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,60}$")


def upload_form(desk: Desk, problem: str | None = None,
                rows: list[tuple[int, str, str]] | None = None, status: int = 200,
                **preview: Any) -> Response:
    return desk.render("console/program_upload.html", status=status, here="programs",
                       problem=problem, rows=rows or [], columns=_columns(),
                       most=MOST_BYTES // (1024 * 1024), **preview)


def _columns() -> list[tuple[str, list[str]]]:
    """Each column of a program file, with its names in Bahasa Indonesia and English."""
    return [(name, list(aliases)) for name, aliases in PROGRAM_COLUMNS.names.items()]


def _refused(desk: Desk, error: ProgramFileError) -> Response:
    rows = [(e.row, e.column or "", e.text(desk._)) for e in error.errors]
    text = (desk._("Nothing was imported: correct these rows and upload the file again.")
            if rows else error.text(desk._))
    return upload_form(desk, text, rows, status=400)


def upload(desk: Desk) -> Response:
    """The file read and checked, and what importing it would do; or, with a token, the
    file confirmed and imported."""
    if desk.field("token"):
        return confirm(desk)
    file = desk.form.get("berkas") if desk.form is not None else None
    if not isinstance(file, UploadFile) or not file.filename:
        return upload_form(desk, desk._("Choose a file to upload."), status=400)
    name = PurePath(file.filename).name
    data = file.file.read(MOST_BYTES + 1)
    if len(data) > MOST_BYTES:
        return upload_form(desk, desk._(TOO_LARGE), status=413)
    ignore = desk.field("abaikan") == "1"
    try:
        found = _read(name, data, ignore)
        planned = programs.preview_rows(desk.session, found, desk.reach.office.id)
    except ProgramFileError as error:
        return _refused(desk, error)
    token = _keep(desk, name, data, ignore)
    return upload_form(desk, planned=planned, token=token, name=name, ignored=found.ignored,
                       added=sum(plan.changes is None for plan in planned),
                       updated=sum(bool(plan.changes) for plan in planned))


def _read(name: str, data: bytes, ignore: bool) -> Table:
    return rows_of(data, PurePath(name).suffix.lower(), name, ignore_unknown=ignore)


def confirm(desk: Desk) -> Response:
    """The file shown before, imported now: checked again, as the programs may have
    changed since."""
    kept = _kept(desk, desk.field("token"))
    if kept is None:
        return upload_form(desk, desk._("This upload was already imported or has expired. "
                                        "Upload the file again."), status=410)
    name, data, ignore, paths = kept
    try:
        found = _read(name, data, ignore)
        saved, moved = programs.import_rows(
            desk.session, found, desk.reach.office.id, desk.now, desk.console.default_zone,
            actor=desk.user, via=audit.CONSOLE)
    except ProgramFileError as error:
        return _refused(desk, error)
    for path in paths:
        path.unlink(missing_ok=True)
    audit.record(desk.session, desk.user, audit.CONSOLE, "programs.uploaded", "file", name,
                 after={"file": name, "programs": saved, "moved_up": moved}, now=desk.now)
    return desk.redirect("/program", ok="uploaded", n=saved)


def _folder(desk: Desk) -> Path:
    return desk.console.media_root / WAITING


def _keep(desk: Desk, name: str, data: bytes, ignore: bool) -> str:
    """The file kept until it is confirmed; the token that names it. Files nobody
    confirmed in time are removed."""
    folder = _folder(desk)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.data").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({
        "name": name, "ignore": ignore, "user": desk.user.id,
        "office": desk.reach.office.id}))
    return token


def _kept(desk: Desk, token: str) -> tuple[str, bytes, bool, list[Path]] | None:
    """The file kept under `token` for this staff member and office, if it still is."""
    if not TOKEN.match(token):
        return None
    folder = _folder(desk)
    paths = [folder / f"{token}.json", folder / f"{token}.data"]
    try:
        about = json.loads(paths[0].read_text())
        data = paths[1].read_bytes()
    except (OSError, ValueError):
        return None
    if about.get("user") != desk.user.id or about.get("office") != desk.reach.office.id:
        return None
    return str(about["name"]), data, bool(about.get("ignore")), paths


def routes(console: Console) -> list[Route]:
    limited = web.staff_page(console, upload, programs=True)

    async def upload_endpoint(request: Request) -> Response:
        """A file far too large is refused before it is read."""
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MOST_BYTES + 64 * 1024:
            return web.plain_page(request, console, N_("The file is too large"), TOO_LARGE,
                                  413, (N_("Back to the upload"), f"{PREFIX}/program/unggah"))
        return await limited(request)

    return [Route("/program/unggah",
                  web.staff_page(console, upload_form, changes=True, programs=True),
                  methods=["GET"]),
            Route("/program/unggah", upload_endpoint, methods=["POST"])]
