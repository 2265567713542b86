"""Logging in to the console with a one-time link: the link works once, for ten minutes;
the session is a revocable row in an HttpOnly cookie; logging out ends it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from conversations import logins, staff
from storage.access_models import StaffSession
from storage.db import session_scope
from tests.console_helpers import csrf_of, link_for, log_in, make_staff, served, text_of


@pytest.fixture
def console(database_url, tmp_path) -> Iterator[Any]:
    with served(database_url, tmp_path, "http://kriya.local") as client:
        yield client


def test_a_link_shows_a_button_and_only_the_button_spends_it(console):
    admin = make_staff(console.database, "501", "admin", name="Ayu")
    token = link_for(console.database, admin)
    for _ in range(2):  # a chat app's preview visit must not spend it
        offer = console.get(f"/console/login/{token}")
        assert offer.status_code == 200
        assert "Masuk" in text_of(offer.text)
    opened = console.post(f"/console/login/{token}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/console/"
    cookie = opened.headers["set-cookie"].lower()
    assert "kriya_console=" in cookie and "secure" not in cookie  # plain http: no Secure
    for attribute in ("HttpOnly", "SameSite=lax", "Path=/console"):
        assert attribute.lower() in cookie
    summary = console.get("/console/")
    assert summary.status_code == 200
    assert "Ringkasan" in text_of(summary.text) and "Ayu" in text_of(summary.text)


def test_over_https_the_cookie_is_secure(database_url, tmp_path):
    with served(database_url, tmp_path, "https://kriya.example.id") as client:
        admin = make_staff(client.database, "511", "admin")
        token = link_for(client.database, admin)
        opened = client.post(f"/console/login/{token}", follow_redirects=False)
        cookie = opened.headers["set-cookie"].lower()
        assert "; secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_a_used_link_says_so_and_opens_nothing(console):
    admin = make_staff(console.database, "502", "admin")
    token = link_for(console.database, admin)
    assert console.post(f"/console/login/{token}", follow_redirects=False).status_code == 303
    console.cookies.clear()
    again = console.post(f"/console/login/{token}", follow_redirects=False)
    assert again.status_code == 410
    assert "sudah dipakai" in text_of(again.text) and "/konsol" in again.text
    assert "set-cookie" not in again.headers
    assert console.get("/console/", follow_redirects=False).status_code == 303


def test_an_expired_or_wrong_link_says_what_to_do(console):
    admin = make_staff(console.database, "503", "admin")
    old = link_for(console.database, admin, datetime.now(UTC) - timedelta(minutes=11))
    expired = console.get(f"/console/login/{old}")
    assert expired.status_code == 410 and "kedaluwarsa" in text_of(expired.text)
    wrong = console.get("/console/login/not-a-real-token")
    assert wrong.status_code == 404 and "/konsol" in wrong.text
    assert "Traceback" not in wrong.text


def test_tokens_are_stored_only_as_hashes(console):
    admin = make_staff(console.database, "504", "admin")
    log_in(console, console.database, admin)
    secret = console.cookies["kriya_console"]
    with session_scope(console.database) as session:
        rows = session.exec(select(StaffSession)).all()
    assert [row.token_hash for row in rows] == [logins.digest(secret)]
    assert all(secret not in row.token_hash for row in rows)


def test_too_many_tries_from_one_address_are_paused(console):
    admin = make_staff(console.database, "513", "admin")
    for _ in range(12):  # good links never count: an office behind one address logs in
        log_in(console, console.database, admin)
    for attempt in range(12):
        response = console.get(f"/console/login/guess-{attempt}")
    assert response.status_code == 429
    assert "Terlalu banyak" in text_of(response.text)


def test_logout_ends_the_session_row_and_the_cookie(console):
    admin = make_staff(console.database, "505", "admin")
    log_in(console, console.database, admin)
    secret = console.cookies["kriya_console"]
    summary = console.get("/console/")
    out = console.post("/console/keluar", data={"csrf": csrf_of(summary.text)})
    assert out.status_code == 200 and "keluar" in text_of(out.text)
    console.cookies.set("kriya_console", secret, domain="127.0.0.1", path="/console")
    assert console.get("/console/", follow_redirects=False).status_code == 303


def test_a_form_without_the_csrf_token_changes_nothing(console):
    admin = make_staff(console.database, "506", "admin")
    log_in(console, console.database, admin)
    refused = console.post("/console/keluar", data={"csrf": "forged"})
    assert refused.status_code == 403 and "kedaluwarsa" in text_of(refused.text)
    assert console.get("/console/").status_code == 200  # still logged in


def test_a_session_idle_for_twelve_hours_has_ended(console):
    admin = make_staff(console.database, "507", "admin")
    log_in(console, console.database, admin)
    with session_scope(console.database) as session:
        row = session.exec(select(StaffSession)).one()
        row.last_seen_at = datetime.now(UTC) - timedelta(hours=12, minutes=1)
    assert console.get("/console/", follow_redirects=False).headers["location"] == \
        "/console/masuk"
    page = console.get("/console/masuk")
    assert "/konsol" in page.text


def test_a_role_taken_away_ends_the_console_at_the_next_page(console):
    curator = make_staff(console.database, "508", "curator")
    log_in(console, console.database, curator)
    assert console.get("/console/").status_code == 200
    with session_scope(console.database) as session:
        staff.take_role(session, "telegram", "508")
    assert console.get("/console/", follow_redirects=False).status_code == 303


def test_the_console_speaks_english_when_asked(console):
    admin = make_staff(console.database, "509", "admin")
    log_in(console, console.database, admin)
    english = console.get("/console/?lang=en")
    assert "Summary" in text_of(english.text)
    assert "Summary" in text_of(console.get("/console/").text)  # remembered
    assert "Ringkasan" in text_of(console.get("/console/?lang=id").text)


def test_an_unknown_console_page_is_a_plain_404(console):
    admin = make_staff(console.database, "510", "admin")
    log_in(console, console.database, admin)
    missing = console.get("/console/no-such-page")
    assert missing.status_code == 404 and "Traceback" not in missing.text


def test_console_pages_cannot_be_framed_or_run_scripts(console):
    admin = make_staff(console.database, "512", "admin")
    log_in(console, console.database, admin)
    for path in ("/console/", "/console/masuk", "/console/login/wrong"):
        headers = console.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert "script-src 'none'" in headers["content-security-policy"], path
        assert headers["x-frame-options"] == "DENY", path


def test_a_viewer_can_log_out(console):
    viewer = make_staff(console.database, "514", "viewer")
    log_in(console, console.database, viewer)
    out = console.post("/console/keluar", data={"csrf": csrf_of(console.get("/console/").text)})
    assert out.status_code == 200 and "keluar" in text_of(out.text)
    assert console.get("/console/", follow_redirects=False).status_code == 303


def test_a_stranger_posting_gets_the_login_and_nothing_is_read(console):
    posted = console.post("/console/staf/tambah", data={"csrf": "x", "address": "1"})
    assert posted.status_code == 401 and "/konsol" in posted.text


def test_a_huge_page_number_is_a_page_not_an_error(console):
    admin = make_staff(console.database, "515", "admin")
    log_in(console, console.database, admin)
    for path in ("/console/log?hal=99999999999999999999", "/console/program?hal=99999999999"):
        assert console.get(path).status_code == 200, path
