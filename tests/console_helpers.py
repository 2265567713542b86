"""Helpers for the console's tests: offices and staff made as the CLI makes them, logged in
through the same one-time links the chat sends."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import Config
from conversations import logins, offices, staff
from storage.db import session_scope
from storage.models import User
from tests.conftest import kriya_serve


@contextmanager
def served(database_url: str, tmp_path: Path, public_url: str = "http://kriya.local"
           ) -> Iterator[Any]:
    """`kriya serve` on loopback with a client to it; `.database` is the app's engine."""
    config = Config(KRIYA_DATABASE_URL=database_url, KRIYA_MEDIA_DIR=str(tmp_path / "media"),
                    KRIYA_PUBLIC_URL=public_url)
    with kriya_serve(config) as client:
        client.database = client.app.state.database
        yield client


def text_of(body: str) -> str:
    """What a reader sees: the tags gone, the entities read, the spaces collapsed."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def make_staff(database: Any, address: str, role: str, office_id: str = "pusat",
               provinces: tuple[str, ...] = (), name: str | None = None) -> int:
    with session_scope(database) as session:
        if offices.get(session, office_id) is None:
            offices.add(session, f"Kantor {office_id}", office_id, provinces)
        user = staff.give_role(session, "telegram", address, role, office_id=office_id)
        user.name = name or f"Petugas {address}"
        assert user.id is not None
        return user.id


def link_for(database: Any, user_id: int, now: datetime | None = None) -> str:
    with session_scope(database) as session:
        user = session.get(User, user_id)
        assert user is not None
        return logins.new_link(session, user, now or datetime.now(UTC))


def log_in(client: Any, database: Any, user_id: int) -> None:
    token = link_for(database, user_id)
    offer = client.get(f"/console/login/{token}")
    assert offer.status_code == 200, offer.text
    opened = client.post(f"/console/login/{token}", follow_redirects=False)
    assert opened.status_code == 303, opened.text


def csrf_of(body: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', body)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)
