"""The console's Siaran pages: a broadcaster of an office composes an announcement, counts
and previews it as Telegram and WhatsApp show it (the form comes back whole), sends it
now, at a time in their own zone or spread over hours of the day, follows how it goes and
stops it; what is not a photo, an empty audience and provinces outside the office's reach
are refused on the form; a viewer only looks; another office's broadcast is a 404."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlmodel import select

from conversations import sending
from conversations.sending import Outcome, OutcomeStatus
from storage.access_models import AuditEntry
from storage.db import session_scope
from storage.models import Broadcast, Conversation, OutboxMessage, User
from storage.statuses import OutboxStatus
from tests.console_helpers import csrf_of, log_in, make_staff, served, text_of

NTB_OFFICE, SUMSEL_OFFICE = "disperindag-ntb", "disperindag-sumsel"
NTB, PAPUA = "Nusa Tenggara Barat", "Papua"
TEXT = "Pendaftaran Pameran Tenun Lombok dibuka!\nDaftar lewat menu Cari program."
NOW = datetime.now(UTC)
WITA = ZoneInfo("Asia/Makassar")
NUMBERS = itertools.count(100000)


@pytest.fixture
def console(database_url, tmp_path) -> Iterator[Any]:
    with served(database_url, tmp_path) as client:
        yield client


def artisans(database: Any, *provinces: str, channel: str = "telegram",
             wrote_at: datetime | None = None) -> list[int]:
    """Registered artisans; on WhatsApp, who last wrote at `wrote_at` (if ever)."""
    with session_scope(database) as session:
        found = []
        for province in provinces:
            address = f"628120{next(NUMBERS)}"
            user = User(channel=channel, address=address, role="artisan", name="Perajin",
                        province=province, categories=["tenun"], consent_at=NOW,
                        registered_at=NOW - timedelta(days=2))
            session.add(user)
            session.flush()
            if wrote_at is not None:
                session.add(Conversation(channel=channel, address=address, user_id=user.id,
                                         last_inbound_at=wrote_at))
            found.append(user.id)
        return found


def broadcaster(console: Any, role: str = "broadcaster", address: str = "901") -> int:
    staff = make_staff(console.database, address, role, NTB_OFFICE, ("NTB",), "Dewi")
    log_in(console, console.database, staff)
    return staff


def compose(console: Any, action: str = "preview", files: Any = None, **fields: Any) -> Any:
    form = console.get("/console/siaran/baru")
    data = {"csrf": csrf_of(form.text), "text": TEXT, "provinces": [NTB], "when": "now",
            "action": action, **fields}
    return console.post("/console/siaran/baru", data=data, files=files,
                        follow_redirects=False)


def outbox(database: Any, broadcast_id: int) -> list[OutboxMessage]:
    with session_scope(database) as session:
        found = list(session.exec(select(OutboxMessage).where(
            OutboxMessage.topic == f"broadcast:{broadcast_id}").order_by(OutboxMessage.id)))
        for row in found:
            session.expunge(row)
        return found


def sent_id(response: Any) -> int:
    assert response.status_code == 303, response.text
    return int(re.search(r"/console/siaran/(\d+)", response.headers["location"]).group(1))


def test_count_and_preview_keep_every_field_and_show_both_platforms(console):
    broadcaster(console)
    artisans(console.database, NTB, NTB, PAPUA)
    artisans(console.database, NTB, channel="whatsapp", wrote_at=NOW - timedelta(hours=3))
    artisans(console.database, NTB, channel="whatsapp", wrote_at=NOW - timedelta(days=3))
    page = compose(console, categories=["tenun"], role="artisan", when="at",
                   at_date="2027-01-05", at_time="09:30")
    assert page.status_code == 200, page.text
    seen = text_of(page.text)
    assert "Jumlah penerima: 4 orang" in seen  # Papua is outside the office's reach anyway
    # Every field as it was typed or chosen.
    assert "Pendaftaran Pameran Tenun Lombok dibuka!\nDaftar lewat" in page.text
    assert re.search(r'value="Nusa Tenggara Barat" checked', page.text)
    assert re.search(r'value="tenun" checked', page.text)
    assert re.search(r'<option value="artisan" selected', page.text)
    assert 'value="2027-01-05"' in page.text and 'value="09:30"' in page.text
    assert re.search(r'value="at" checked', page.text)
    # Telegram shows the text as typed; WhatsApp as free text to the one who wrote
    # lately, and the other needs the template, which is not set here.
    preview = text_of(page.text.split('id="preview"')[1])
    assert "Telegram 2 penerima" in preview
    assert "1 penerima · sebagai pesan biasa" in preview
    assert "TWILIO_TEMPLATE_BROADCAST" in preview and "tidak akan mendapat pesan" in preview
    assert preview.count("Pendaftaran Pameran Tenun Lombok dibuka!") == 2
    with session_scope(console.database) as session:
        assert session.exec(select(Broadcast)).first() is None  # a preview sends nothing


def test_a_file_that_is_not_a_photo_is_refused_on_the_form(console):
    broadcaster(console)
    artisans(console.database, NTB)
    page = compose(console, action="send",
                   files={"photo_file": ("brosur.jpg", b"%PDF-1.4 not a photo", "image/jpeg")})
    assert page.status_code == 400
    seen = text_of(page.text)
    assert "Berkas itu bukan foto" in seen and "Tidak ada yang dikirim" in seen
    assert "Pendaftaran Pameran Tenun Lombok dibuka!" in page.text  # kept


def test_a_photo_is_cleaned_kept_through_the_preview_and_sent(console):
    broadcaster(console)
    artisans(console.database, NTB)
    picture = io.BytesIO()
    Image.new("RGB", (900, 700), (180, 90, 40)).save(picture, "JPEG")
    page = compose(console, files={"photo_file": ("foto.jpg", picture.getvalue(),
                                                  "image/jpeg")})
    assert page.status_code == 200
    kept = re.search(r'name="photo" value="([^"]+)"', page.text).group(1)
    token = re.search(r'name="photo_token" value="([^"]+)"', page.text).group(1)
    shown = re.search(r'src="(/console/siaran/foto/[^"]+)"', page.text).group(1)
    assert console.get(shown).headers["content-type"] == "image/jpeg"
    sent = compose(console, action="send", photo=kept, photo_token=token)
    [row] = outbox(console.database, sent_id(sent))
    assert row.payload["media"] == [kept]
    # A photo path the form did not hand out is not taken.
    forged = compose(console, action="send", photo=kept, photo_token="0" * 32)
    [row] = outbox(console.database, sent_id(forged))
    assert not row.payload.get("media")


def test_an_empty_audience_and_provinces_outside_reach_are_refused(console):
    broadcaster(console)
    artisans(console.database, PAPUA)
    empty = compose(console, action="send")  # nobody registered in NTB
    assert empty.status_code == 400
    assert "Tidak ada orang yang cocok dengan pilihan penerima ini" in text_of(empty.text)
    outside = compose(console, action="send", provinces=[PAPUA])
    assert outside.status_code == 400
    assert "di luar wilayah kerja kantor Anda" in text_of(outside.text)
    with session_scope(console.database) as session:
        assert session.exec(select(OutboxMessage)).first() is None


def test_send_now_queues_one_message_each_and_the_log_has_it(console):
    dewi = broadcaster(console)
    artisans(console.database, NTB, NTB, PAPUA)
    sent = compose(console, action="send")
    broadcast_id = sent_id(sent)
    rows = outbox(console.database, broadcast_id)
    assert len(rows) == 2 and {r.status for r in rows} == {OutboxStatus.PENDING}
    page = console.get(sent.headers["location"])
    assert '<meta http-equiv="refresh" content="5">' in page.text
    assert "Siaran sudah masuk antrean" in text_of(page.text)
    with session_scope(console.database) as session:
        [entry] = session.exec(select(AuditEntry).where(
            AuditEntry.action == "broadcast.queued")).all()
        assert entry.actor_id == dewi and entry.via == "console"
    listed = text_of(console.get("/console/siaran").text)
    assert f"#{broadcast_id}" in listed and "provinsi Nusa Tenggara Barat" in listed


def test_the_same_form_sent_twice_is_one_broadcast(console):
    broadcaster(console)
    artisans(console.database, NTB, NTB)
    form = console.get("/console/siaran/baru").text
    key = re.search(r'name="form_key" value="([^"]+)"', form).group(1)
    data = {"csrf": csrf_of(form), "form_key": key, "text": TEXT, "provinces": [NTB],
            "when": "now", "action": "send"}
    first = console.post("/console/siaran/baru", data=data, follow_redirects=False)
    second = console.post("/console/siaran/baru", data=data, follow_redirects=False)
    assert sent_id(first) == sent_id(second)
    assert len(outbox(console.database, sent_id(first))) == 2
    with session_scope(console.database) as session:
        assert len(session.exec(select(Broadcast)).all()) == 1


def test_a_time_is_the_staff_members_own_with_its_zone_label(console):
    broadcaster(console)
    artisans(console.database, NTB)
    assert "WITA" in text_of(console.get("/console/siaran/baru").text)
    when = (NOW + timedelta(days=2)).astimezone(WITA)
    broadcast_id = sent_id(compose(console, action="send", when="at",
                                   at_date=when.strftime("%Y-%m-%d"), at_time="09:00"))
    [row] = outbox(console.database, broadcast_id)
    assert row.not_before.astimezone(WITA).strftime("%H:%M") == "09:00"
    assert "pukul 09.00 WITA" in text_of(console.get(f"/console/siaran/{broadcast_id}").text)


def test_spread_over_hours_gives_each_message_its_window(console):
    broadcaster(console)
    artisans(console.database, NTB, NTB, NTB)
    broadcast_id = sent_id(compose(console, action="send", when="spread",
                                   spread_from="08:00", spread_to="16:00"))
    rows = outbox(console.database, broadcast_id)
    for row in rows:
        local = row.not_before.astimezone(WITA)
        assert "08:00" <= local.strftime("%H:%M") < "16:00"
        assert row.window_closes.astimezone(WITA).strftime("%H:%M") == "16:00"
    page = text_of(console.get(f"/console/siaran/{broadcast_id}").text)
    assert "antara 08.00 dan 16.00" in page


def test_progress_counts_what_left_failed_and_why_then_stops_refreshing(console):
    broadcaster(console)
    artisans(console.database, NTB, NTB, NTB)
    broadcast_id = sent_id(compose(console, action="send"))
    # Whenever the test runs: at the moment they may go (the night in NTB, if it is).
    due = max(row.not_before or NOW for row in outbox(console.database, broadcast_id))
    with session_scope(console.database) as session:
        taken = sending.claim(session, "telegram", due + timedelta(seconds=1), 10,
                              timedelta(minutes=1))
        outcomes = [Outcome(OutcomeStatus.SENT), Outcome(OutcomeStatus.FAILED,
                                                         "Bad Request: chat not found"),
                    Outcome(OutcomeStatus.BLOCKED, "Forbidden: bot was blocked by the user")]
        sending.record(session, [(m.idempotency_key, o) for m, o in
                                 zip(taken, outcomes, strict=True)], due)
    page = console.get(f"/console/siaran/{broadcast_id}")
    assert 'http-equiv="refresh"' not in page.text  # nothing left to go
    seen = text_of(page.text)
    counts = dict(re.findall(r'id="count-(\w+)">(\d+)<', page.text))
    assert counts["sent"] == "1" and counts["failed"] == "1" and counts["blocked"] == "1"
    assert counts["waiting"] == "0" and counts["later"] == "0"
    assert "chat not found" in seen and "selesai" in seen


def test_stop_once_and_a_second_stop_says_it_already_was(console):
    broadcaster(console)
    artisans(console.database, NTB, NTB)
    broadcast_id = sent_id(compose(console, action="send"))
    page = console.get(f"/console/siaran/{broadcast_id}")
    stop = {"csrf": csrf_of(page.text)}
    first = console.post(f"/console/siaran/{broadcast_id}/berhenti", data=stop,
                         follow_redirects=True)
    assert "Siaran dihentikan" in text_of(first.text)
    assert 'http-equiv="refresh"' not in first.text and "/berhenti" not in first.text
    again = console.post(f"/console/siaran/{broadcast_id}/berhenti", data=stop,
                         follow_redirects=True)
    assert again.status_code == 200 and "sudah dihentikan sebelumnya" in text_of(again.text)
    assert {r.status for r in outbox(console.database, broadcast_id)} == {OutboxStatus.STOPPED}
    with session_scope(console.database) as session:
        assert len(session.exec(select(AuditEntry).where(
            AuditEntry.action == "broadcast.stopped")).all()) == 1


def test_a_viewer_sees_but_neither_composes_nor_stops(console):
    broadcaster(console)
    artisans(console.database, NTB)
    broadcast_id = sent_id(compose(console, action="send"))
    console.cookies.clear()
    broadcaster(console, role="viewer", address="902")
    assert console.get(f"/console/siaran/{broadcast_id}").status_code == 200
    listed = console.get("/console/siaran")
    assert "/console/siaran/baru" not in listed.text
    assert console.get("/console/siaran/baru").status_code == 403
    refused = console.post("/console/siaran/baru", data={
        "csrf": csrf_of(listed.text), "text": TEXT, "action": "send"})
    assert refused.status_code == 403
    stop = console.post(f"/console/siaran/{broadcast_id}/berhenti",
                        data={"csrf": csrf_of(listed.text)})
    assert stop.status_code == 403
    assert {r.status for r in outbox(console.database, broadcast_id)} == {OutboxStatus.PENDING}


def test_another_offices_broadcast_is_not_found(console):
    broadcaster(console)
    artisans(console.database, NTB)
    broadcast_id = sent_id(compose(console, action="send"))
    console.cookies.clear()
    other = make_staff(console.database, "990", "broadcaster", SUMSEL_OFFICE,
                       ("Sumatera Selatan",))
    log_in(console, console.database, other)
    assert console.get(f"/console/siaran/{broadcast_id}").status_code == 404
    listed = console.get("/console/siaran")
    assert f"#{broadcast_id}" not in text_of(listed.text)
    stop = console.post(f"/console/siaran/{broadcast_id}/berhenti",
                        data={"csrf": csrf_of(listed.text)})
    assert stop.status_code == 404
