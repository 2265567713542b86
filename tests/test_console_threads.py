"""The console's Pesan: an office sees the questions of Tanya petugas routed to it (open
first, with how long each waits and who has it), answers them into the person's chat,
assigns them to a colleague and closes them; a viewer only reads; another office's thread
is a 404; the summary counts what is open and the longest wait."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlmodel import select

from conversations import threads
from conversations.photos import store_photo
from storage.access_models import AuditEntry
from storage.db import session_scope
from storage.media import MediaStore
from storage.models import OutboxMessage, User
from storage.thread_models import Thread
from tests.console_helpers import csrf_of, log_in, make_staff, served, text_of

NTB, SUMSEL = "Nusa Tenggara Barat", "Sumatera Selatan"


@pytest.fixture
def console(database_url, tmp_path) -> Iterator[Any]:
    with served(database_url, tmp_path) as client:
        yield client


def asks(console: Any, address: str, name: str, province: str, text: str,
         hours_ago: float = 1, photo: bool = False) -> int:
    """A registered person who wrote a question through Tanya petugas."""
    at = datetime.now(UTC) - timedelta(hours=hours_ago)
    with session_scope(console.database) as session:
        user = User(channel="whatsapp", address=address, role="artisan", name=name,
                    province=province, city="Mataram", phone="+" + address,
                    registered_at=at - timedelta(days=3))
        session.add(user)
        session.flush()
        photos = []
        if photo:
            data = io.BytesIO()
            Image.new("RGB", (900, 700), "orange").save(data, "JPEG")
            stored = store_photo(MediaStore(console.media), data.getvalue())
            photos = [{"path": stored.path, "thumb": stored.thumb}]
        thread = threads.write(session, user, None, text, photos, at)
        assert thread is not None and thread.id is not None
        return thread.id


def post(console: Any, path: str, data: dict[str, str]) -> Any:
    return console.post(path, data=data, follow_redirects=True)


def thread_row(console: Any, thread_id: int) -> Thread:
    with session_scope(console.database) as session:
        found = session.get(Thread, thread_id)
        assert found is not None
        session.expunge(found)
        return found


def outbox_to(console: Any, address: str) -> list[str]:
    with session_scope(console.database) as session:
        return [m.payload["text"] for m in session.exec(
            select(OutboxMessage).where(OutboxMessage.address == address)
            .order_by(OutboxMessage.id))]


def test_an_office_answers_assigns_and_closes_its_threads_and_sees_no_others(console):
    admin = make_staff(console.database, "801", "admin", "disperindag-ntb", ("NTB",),
                       "Ayu Lestari")
    colleague = make_staff(console.database, "802", "curator", "disperindag-ntb", ("NTB",),
                           "Baiq Nurul")
    make_staff(console.database, "803", "viewer", "disperindag-ntb", ("NTB",), "Pak Lihat")
    stranger = make_staff(console.database, "804", "admin", "disperindag-sumsel",
                          ("Sumatera Selatan",))
    ours = asks(console, "6281200000001", "Siti Aminah", NTB, "Kapan pameran dibuka?",
                hours_ago=5, photo=True)
    newer = asks(console, "6281200000002", "Lalu Ahmad", NTB, "Ada pelatihan?", hours_ago=1)
    theirs = asks(console, "6281200000003", "Rudi", SUMSEL, "Pertanyaan Palembang")
    log_in(console, console.database, admin)

    listed = text_of(console.get("/console/pesan").text)
    assert "Siti Aminah" in listed and "Lalu Ahmad" in listed and "Rudi" not in listed
    assert listed.index("Siti Aminah") < listed.index("Lalu Ahmad")  # longest waiting first
    assert "5 jam" in listed and "belum ada" in listed
    assert console.get(f"/console/pesan/{theirs}").status_code == 404
    assert console.get(f"/console/pesan/{theirs}/foto/x/y.jpg").status_code == 404

    page = console.get(f"/console/pesan/{ours}")
    seen = text_of(page.text)
    assert "Kapan pameran dibuka?" in seen and "0812-0000-0001" in seen  # with their data
    [photo] = [part.split('"')[0] for part in page.text.split('src="')[1:]
               if "/foto/" in part]
    assert console.get(photo).headers["content-type"] == "image/jpeg"
    assert "Pak Lihat" not in page.text.split('name="to"')[1]  # a viewer cannot be given it
    csrf = csrf_of(page.text)
    sent = post(console, f"/console/pesan/{ours}/balas",
                {"csrf": csrf, "text": "Dibuka 10 Juni di Mataram."})
    assert sent.status_code == 200 and "Jawaban Anda sudah dikirim" in sent.text
    [told] = outbox_to(console, "6281200000001")
    assert "Jawaban dari Kantor disperindag-ntb" in told and "10 Juni" in told
    assert thread_row(console, ours).waiting_since is None
    assert thread_row(console, ours).assigned_to == admin  # the first to answer has it

    given = post(console, f"/console/pesan/{newer}/tugaskan",
                 {"csrf": csrf, "to": str(colleague)})
    assert given.status_code == 200 and thread_row(console, newer).assigned_to == colleague
    refused = post(console, f"/console/pesan/{newer}/tugaskan",
                   {"csrf": csrf, "to": str(stranger)})
    assert refused.status_code == 409 and "Pilih rekan" in refused.text
    assert post(console, f"/console/pesan/{theirs}/balas",
                {"csrf": csrf, "text": "halo"}).status_code == 404

    mine = text_of(console.get("/console/pesan?tampil=mine").text)
    assert "Siti Aminah" in mine and "Lalu Ahmad" not in mine  # Lalu's is Baiq's now
    closed = post(console, f"/console/pesan/{ours}/tutup", {"csrf": csrf})
    assert closed.status_code == 200 and thread_row(console, ours).status == "closed"
    assert "menutup percakapan" in outbox_to(console, "6281200000001")[-1]
    again = post(console, f"/console/pesan/{ours}/tutup", {"csrf": csrf})
    assert again.status_code == 409 and "sudah ditutup sebelumnya" in again.text
    shown = text_of(console.get("/console/pesan?tampil=open").text)
    assert "Lalu Ahmad" in shown and "Siti Aminah" not in shown
    assert "Siti Aminah" in text_of(console.get("/console/pesan?tampil=closed").text)
    with session_scope(console.database) as session:
        actions = sorted(e.action for e in session.exec(select(AuditEntry))
                         if e.object_kind == "thread")
    assert actions == ["thread.answered", "thread.assigned", "thread.closed"]


def test_a_viewer_reads_an_empty_answer_is_refused_and_the_summary_counts_the_wait(console):
    viewer = make_staff(console.database, "811", "viewer", "disperindag-ntb", ("NTB",))
    broadcaster = make_staff(console.database, "812", "broadcaster", "disperindag-ntb",
                             ("NTB",))
    thread = asks(console, "6281200000011", "Siti Aminah", NTB, "Halo petugas", hours_ago=26)
    asks(console, "6281200000012", "Baiq Nurul", NTB, "Pertanyaan kedua", hours_ago=2)
    log_in(console, console.database, viewer)
    page = console.get(f"/console/pesan/{thread}")
    assert page.status_code == 200 and "Halo petugas" in page.text
    assert "/balas" not in page.text and "hanya dapat membaca" in page.text
    refused = post(console, f"/console/pesan/{thread}/balas",
                   {"csrf": csrf_of(page.text), "text": "Jawaban"})
    assert refused.status_code == 403 and outbox_to(console, "6281200000011") == []
    summary = text_of(console.get("/console/").text)
    assert "2 pertanyaan dari Tanya petugas yang masih terbuka" in summary
    assert "yang terlama menunggu jawaban: 1 hari" in summary

    console.cookies.clear()
    log_in(console, console.database, broadcaster)
    csrf = csrf_of(console.get(f"/console/pesan/{thread}").text)
    empty = post(console, f"/console/pesan/{thread}/balas", {"csrf": csrf, "text": "  "})
    assert empty.status_code == 400 and "Silakan tulis jawaban" in empty.text
    long = "Panjang sekali. " * 200
    too_long = post(console, f"/console/pesan/{thread}/balas", {"csrf": csrf, "text": long})
    assert too_long.status_code == 400 and "paling banyak 2000 karakter" in too_long.text
    assert long.strip() in text_of(too_long.text)  # what was typed is kept
    assert outbox_to(console, "6281200000011") == []
