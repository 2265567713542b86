"""The console's Program pages: an office lists, makes, edits, closes, copies, publishes,
deletes and uploads its own programs, checked as `kriya programs import` checks them and
said in the reader's language; another office's program is a 404; a viewer only looks;
every change is in the audit log."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import Workbook
from sqlmodel import select

from conversations import program_changes, programs, reminders, signups
from conversations.i18n import translator
from conversations.program_files import FIELDS, checked, program_values, read_rows
from storage.access_models import AuditEntry
from storage.db import session_scope
from storage.models import OutboxMessage, Program, Registration, User
from storage.statuses import OutboxStatus
from tests.conftest import Chat
from tests.console_helpers import csrf_of, log_in, make_staff, served, text_of

NTB_OFFICE, SUMSEL_OFFICE = "disperindag-ntb", "disperindag-sumsel"
NOW = datetime.now(UTC).replace(second=0, microsecond=0)  # as the form writes times
STARTS = NOW + timedelta(days=60)
INDONESIAN = translator("id", "Asia/Makassar")


@pytest.fixture
def console(database_url, tmp_path) -> Iterator[Any]:
    with served(database_url, tmp_path) as client:
        yield client


def local(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M+00:00")


def dates(starts: datetime) -> dict[str, str]:
    """Two days long, registration closing ten days before."""
    return {"starts_at": local(starts), "ends_at": local(starts + timedelta(days=2)),
            "registration_deadline": local(starts - timedelta(days=10))}


def row(program_id: str, **changes: Any) -> dict[str, str]:
    """A program as a file or the form gives it: every field, as text."""
    base = {name: "" for name in FIELDS}
    base.update(id=program_id, kind="pelatihan", title=f"Pelatihan {program_id}",
                organiser="Disperindag NTB", venue="Gedung Dekranasda Mataram",
                province="Nusa Tenggara Barat", quota="30", **dates(STARTS))
    base.update(changes)
    return base


def add(database: Any, office: str, program_id: str, **changes: Any) -> None:
    with session_scope(database) as session:
        programs.save(session, {**program_values(row(program_id, **changes)),
                                "office_id": office}, NOW, "Asia/Jakarta")


def get_program(database: Any, program_id: str) -> Program | None:
    with session_scope(database) as session:
        found = session.get(Program, program_id)
        if found is not None:
            session.expunge(found)
        return found


def entries(database: Any, action: str) -> list[AuditEntry]:
    with session_scope(database) as session:
        found = list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))
        for entry in found:
            session.expunge(entry)
        return found


def found_in_chat_search(database: Any, program_id: str) -> bool:
    with session_scope(database) as session:
        shown, _ = programs.find(session, datetime.now(UTC), limit=100)
        return program_id in {program.id for program in shown}


def sign_up(database: Any, program_id: str, address: str = "8001") -> None:
    with session_scope(database) as session:
        user = User(channel="telegram", address=address, role="artisan", name="Siti",
                    province="Nusa Tenggara Barat", categories=["tenun"],
                    registered_at=NOW - timedelta(days=3))
        session.add(user)
        session.flush()
        session.add(Registration(program_id=program_id, user_id=user.id, party=f"user:{user.id}",
                                 seq=1, status="confirmed"))


def artisan_in_ntb(database: Any, address: str = "8002") -> None:
    with session_scope(database) as session:
        session.add(User(channel="telegram", address=address, role="artisan", name="Ani",
                         province="Nusa Tenggara Barat", categories=["tenun"],
                         registered_at=NOW - timedelta(days=3)))


def reminder_statuses(database: Any, program_id: str) -> list[str]:
    with session_scope(database) as session:
        return [m.status for m in session.exec(select(OutboxMessage).where(
            OutboxMessage.topic == f"program:{program_id}"))]


def admin_of_ntb(console: Any, address: str = "901") -> int:
    admin = make_staff(console.database, address, "admin", NTB_OFFICE, ("NTB",), "Ayu")
    log_in(console, console.database, admin)
    return admin


def test_the_list_holds_the_offices_programs_searched_filtered_and_paged(console):
    admin_of_ntb(console)
    make_staff(console.database, "990", "admin", SUMSEL_OFFICE, ("Sumatera Selatan",))
    for n in range(22):
        add(console.database, NTB_OFFICE, f"latih-{n:02d}", kind="pelatihan",
            **dates(STARTS + timedelta(days=n)))
    add(console.database, NTB_OFFICE, "expo-tenun", kind="pameran", title="Expo Tenun Sasak",
        venue="Taman Sangkareang")
    add(console.database, NTB_OFFICE, "lewat", **{
        **dates(NOW + timedelta(days=3)), "registration_deadline": local(NOW - timedelta(1))})
    add(console.database, SUMSEL_OFFICE, "songket-palembang", title="Songket Palembang")
    page = console.get("/console/program")
    seen = text_of(page.text)
    assert page.status_code == 200 and "Ditemukan: 24" in seen
    assert "Songket Palembang" not in seen  # another office's
    assert "Halaman 1 dari 2" in seen and len(re.findall(r'href="/console/program/latih-',
                                                         page.text)) <= 20
    # every time with its zone label: NTB is WITA
    assert re.search(r"\d{1,2} \w{3} \d{4} \d{2}\.\d{2} WITA", seen)
    assert "Expo Tenun Sasak" in text_of(console.get("/console/program?q=sangkareang").text)
    by_kind = text_of(console.get("/console/program?jenis=pameran").text)
    assert "Ditemukan: 1" in by_kind and "Expo Tenun Sasak" in by_kind
    closed = text_of(console.get("/console/program?status=closed").text)
    assert "Ditemukan: 1" in closed and "Pelatihan lewat" in closed
    second = console.get("/console/program?jenis=pelatihan&status=open&hal=2")
    assert "Ditemukan: 22" in text_of(second.text)
    assert len(re.findall(r'href="/console/program/latih-', second.text)) == 2
    back = re.search(r'href="(\?[^"]*hal=1[^"]*)"', second.text)
    assert back and "jenis=pelatihan" in back.group(1) and "status=open" in back.group(1)
    national = make_staff(console.database, "991", "viewer")
    console.cookies.clear()
    log_in(console, console.database, national)
    assert "Songket Palembang" in text_of(console.get("/console/program?q=songket").text)


def test_a_form_with_mistakes_says_each_beside_its_field_as_the_import_would(console):
    admin_of_ntb(console)
    typed = row("expo-2027", kind="party", title="Expo <b>Sasak</b>", quota="banyak",
                starts_at="21/13/2027", province="Atlantis", funding_routes="hibah")
    form = console.get("/console/program/baru")
    assert form.status_code == 200
    posted = console.post("/console/program/baru", data={**typed, "csrf": csrf_of(form.text)})
    assert posted.status_code == 400
    _, problems = checked(typed)
    assert {p.field for p in problems} == {"kind", "province", "starts_at", "quota",
                                           "funding_routes"}
    fields = {m.group(1): m.group(0) for m in re.finditer(
        r'<div class="field[^"]*">\s*<label for="(\w+)".*?(?=<div class="field|<button)',
        posted.text, re.S)}
    for problem in problems:
        said = problem.text(INDONESIAN._)
        assert said != str(problem)  # Indonesian, not the English of the command line
        assert said in text_of(fields[problem.field]), problem.field
    assert 'class="field bad"' in fields["kind"] and 'class="field bad"' not in fields["title"]
    seen = text_of(posted.text)
    assert "Jenis program harus salah satu dari" in seen and "'Atlantis'" in seen
    assert "dibaca sebagai tanggal dan waktu: 21/13/2027" in seen and "isoformat" not in seen
    # what was typed comes back, escaped
    assert 'value="Expo &lt;b&gt;Sasak&lt;/b&gt;"' in posted.text
    assert 'value="banyak"' in posted.text and 'value="21/13/2027"' in posted.text
    assert get_program(console.database, "expo-2027") is None
    english = console.post("/console/program/baru?lang=en",
                           data={**typed, "csrf": csrf_of(form.text)})
    assert "kind must be one of seminar" in text_of(english.text)


def test_an_id_the_console_uses_for_its_own_pages_is_refused(console):
    admin_of_ntb(console)
    form = console.get("/console/program/baru")
    posted = console.post("/console/program/baru", data={**row("baru"), "csrf": csrf_of(form.text)})
    assert posted.status_code == 400 and "dipakai oleh konsol" in text_of(posted.text)
    assert get_program(console.database, "baru") is None


def test_a_program_made_in_the_console_is_the_offices_and_artisans_find_it(console, chat: Chat):
    admin = admin_of_ntb(console)
    csrf = csrf_of(console.get("/console/program/baru").text)
    made = console.post("/console/program/baru", data={
        **row("tenun-2027", title="Pewarna Alam Tenun", quota="25"),
        "categories": ["tenun", "batik"], "csrf": csrf}, follow_redirects=True)
    assert made.status_code == 200, made.text
    assert made.url.path == "/console/program/tenun-2027"
    seen = text_of(made.text)
    assert "Pewarna Alam Tenun" in seen and "WITA" in seen and "25" in seen
    program = get_program(console.database, "tenun-2027")
    assert program is not None and program.office_id == NTB_OFFICE
    assert program.categories == ["tenun", "batik"] and not program.draft
    again = console.post("/console/program/baru", data={**row("tenun-2027"), "csrf": csrf})
    assert again.status_code == 400 and "sudah ada" in text_of(again.text)
    (created,) = entries(console.database, "program.created")
    assert created.via == "console" and created.actor_id == admin
    assert created.office_id == NTB_OFFICE and created.after["title"] == "Pewarna Alam Tenun"
    chat.now = datetime.now(UTC)
    chat.register_artisan(province="ntb")
    chat.say("cari program")
    chat.say("1")
    assert any(option.startswith("Pewarna Alam Tenun") for option in chat.options), chat.text


def test_editing_keeps_the_id_and_a_moved_deadline_moves_its_reminders(console):
    admin_of_ntb(console)
    deadline = NOW + timedelta(days=2)
    add(console.database, NTB_OFFICE, "tenun-ntb", registration_deadline=local(deadline))
    sign_up(console.database, "tenun-ntb")  # a place held: no deadline reminder to them
    artisan_in_ntb(console.database)
    with session_scope(console.database) as session:
        assert reminders.run_due(session, NOW, quiet=None) == 1  # three days before, to Ani
    form = console.get("/console/program/tenun-ntb/ubah")
    assert form.status_code == 200
    assert 'value="Pelatihan tenun-ntb"' in form.text
    local_deadline = deadline.astimezone(translator("id", "Asia/Makassar").tz)
    assert f'value="{local_deadline:%Y-%m-%d %H:%M}"' in form.text
    later = NOW + timedelta(days=20)
    saved = console.post("/console/program/tenun-ntb/ubah", data={
        **row("something-else", registration_deadline=local(later)),
        "csrf": csrf_of(form.text)})
    assert saved.status_code == 303
    assert get_program(console.database, "something-else") is None  # the id stays
    program = get_program(console.database, "tenun-ntb")
    assert program is not None and program.registration_deadline == later
    assert reminder_statuses(console.database, "tenun-ntb") == [OutboxStatus.WITHDRAWN]
    (changed,) = entries(console.database, "program.changed")
    assert changed.before["registration_deadline"].startswith(deadline.date().isoformat())


def test_closing_registration_now_sets_the_deadline_to_now(console):
    admin_of_ntb(console)
    add(console.database, NTB_OFFICE, "tenun-ntb")
    page = console.get("/console/program/tenun-ntb")
    assert "Tutup pendaftaran sekarang" in text_of(page.text)
    closed = console.post("/console/program/tenun-ntb/tutup", data={"csrf": csrf_of(page.text)},
                          follow_redirects=True)
    assert closed.status_code == 200
    assert "Pendaftaran ditutup mulai sekarang" in text_of(closed.text)
    program = get_program(console.database, "tenun-ntb")
    assert program is not None and program.registration_deadline is not None
    assert abs(program.registration_deadline - datetime.now(UTC)) < timedelta(minutes=1)
    assert not signups.is_open(program, datetime.now(UTC))
    (entry,) = entries(console.database, "program.closed")
    assert entry.before["registration_deadline"] and entry.after["registration_deadline"]
    again = console.post("/console/program/tenun-ntb/tutup", data={"csrf": csrf_of(page.text)})
    assert again.status_code == 409 and "sudah ditutup" in text_of(again.text)


def test_a_copy_for_next_year_is_a_draft_nobody_finds_until_it_is_published(console):
    admin_of_ntb(console)
    year = STARTS.astimezone(INDONESIAN.tz).year
    add(console.database, NTB_OFFICE, f"expo-{year}", title=f"Expo Tenun {year}",
        kind="pameran")
    sign_up(console.database, f"expo-{year}")
    page = console.get(f"/console/program/expo-{year}")
    copied = console.post(f"/console/program/expo-{year}/salin",
                          data={"csrf": csrf_of(page.text)}, follow_redirects=True)
    assert copied.url.path == f"/console/program/expo-{year + 1}"
    assert "draf" in text_of(copied.text)
    original, copy = (get_program(console.database, f"expo-{y}") for y in (year, year + 1))
    assert original is not None and copy is not None
    assert copy.draft and copy.title == f"Expo Tenun {year + 1}"
    assert copy.office_id == NTB_OFFICE and copy.quota == original.quota
    assert copy.starts_at.astimezone(INDONESIAN.tz).replace(year=year) == \
        original.starts_at.astimezone(INDONESIAN.tz)
    with session_scope(console.database) as session:
        assert signups.counts(session, copy.id)["confirmed"] == 0
        assert signups.refusal(session, None, copy, NOW) == "gone"
    assert not found_in_chat_search(console.database, copy.id)
    # a second copy does not take the first one's id
    console.post(f"/console/program/expo-{year}/salin", data={"csrf": csrf_of(page.text)})
    assert get_program(console.database, f"expo-{year + 1}-2") is not None
    published = console.post(f"/console/program/expo-{year + 1}/terbitkan",
                             data={"csrf": csrf_of(page.text)}, follow_redirects=True)
    assert "diterbitkan" in text_of(published.text)
    assert found_in_chat_search(console.database, copy.id)
    assert len(entries(console.database, "program.duplicated")) == 2
    (entry,) = entries(console.database, "program.published")
    assert entry.before == {"draft": True} and entry.after == {"draft": False}


def test_a_program_is_deleted_only_while_nobody_has_signed_up(console):
    admin_of_ntb(console)
    add(console.database, NTB_OFFICE, "kosong",
        registration_deadline=local(NOW + timedelta(days=2)))
    artisan_in_ntb(console.database)
    with session_scope(console.database) as session:
        assert reminders.run_due(session, NOW, quiet=None) == 1
    add(console.database, NTB_OFFICE, "ramai")
    sign_up(console.database, "ramai")
    page = console.get("/console/program/ramai")
    assert "/program/ramai/hapus" not in page.text
    refused = console.post("/console/program/ramai/hapus", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 409
    assert "sudah ada pendaftar" in text_of(refused.text)
    assert get_program(console.database, "ramai") is not None
    page = console.get("/console/program/kosong")
    assert "/program/kosong/hapus" in page.text
    gone = console.post("/console/program/kosong/hapus", data={"csrf": csrf_of(page.text)},
                        follow_redirects=True)
    assert str(gone.url).endswith("/console/program?ok=deleted")
    assert get_program(console.database, "kosong") is None
    assert console.get("/console/program/kosong").status_code == 404
    assert reminder_statuses(console.database, "kosong") == [OutboxStatus.WITHDRAWN]
    (entry,) = entries(console.database, "program.deleted")
    assert entry.before["title"] == "Pelatihan kosong" and entry.after is None


CSV = (",".join(FIELDS) + "\n" + ",".join(row("unggah-1").values()) + "\n"
       + ",".join(row("unggah-2", kind="seminar").values()) + "\n")


def _xlsx(*rows: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(FIELDS))
    for found in rows:
        sheet.append([found[name] for name in FIELDS])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def upload(console: Any, csrf: str, name: str, data: bytes, **options: Any) -> Any:
    """A file uploaded, its preview checked, and then confirmed: the answer to the yes."""
    preview = console.post("/console/program/unggah", data={"csrf": csrf},
                           files={"berkas": (name, data, "application/octet-stream")})
    assert preview.status_code == 200 and "Periksa sebelum mengimpor" in text_of(preview.text)
    token = re.search(r'name="token" value="([^"]+)"', preview.text)
    assert token is not None
    return console.post("/console/program/unggah", data={"csrf": csrf, "token": token.group(1)},
                        **options)


def test_a_good_file_is_imported_for_the_office(console):
    admin = admin_of_ntb(console)
    form = console.get("/console/program/unggah")
    csrf = csrf_of(form.text)
    done = upload(console, csrf, "program.csv", CSV.encode(), follow_redirects=True)
    assert done.status_code == 200 and "2 program diimpor" in text_of(done.text)
    quota_as_number = row("unggah-3") | {"quota": 40, "starts_at": STARTS.replace(tzinfo=None)}
    sheet = upload(console, csrf, "program.xlsx", _xlsx(quota_as_number))
    assert sheet.status_code == 303
    for program_id in ("unggah-1", "unggah-2", "unggah-3"):
        program = get_program(console.database, program_id)
        assert program is not None and program.office_id == NTB_OFFICE
    assert get_program(console.database, "unggah-3").quota == 40
    uploads = entries(console.database, "programs.uploaded")
    assert [entry.after["programs"] for entry in uploads] == [2, 1]
    assert all(entry.actor_id == admin for entry in uploads)
    assert len(entries(console.database, "program.created")) == 3


def test_a_file_with_a_bad_row_imports_nothing_and_says_each_row(console):
    admin_of_ntb(console)
    make_staff(console.database, "990", "admin", SUMSEL_OFFICE, ("Sumatera Selatan",))
    add(console.database, SUMSEL_OFFICE, "songket")
    bad = (CSV + ",".join(row("rusak", kind="party").values()) + "\n"
           + ",".join(row("songket").values()) + "\n")
    csrf = csrf_of(console.get("/console/program/unggah").text)
    refused = console.post("/console/program/unggah", data={"csrf": csrf},
                           files={"berkas": ("program.csv", bad.encode(), "text/csv")})
    assert refused.status_code == 400
    cells = [text_of(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", refused.text)]
    assert cells[:2] == ["4", "kind"] and cells[2].startswith("Jenis program harus salah satu")
    assert cells[3:5] == ["5", "id"] and "songket" in cells[5] and SUMSEL_OFFICE in cells[5]
    assert "Tidak ada yang diimpor" in text_of(refused.text)
    assert get_program(console.database, "unggah-1") is None
    for name, data, said in (("program.pdf", b"id\n", ".xlsx"),
                             ("program.xlsx", b"not a workbook", "XLSX"),
                             ("program.csv", b"", "tidak berisi program")):
        answer = console.post("/console/program/unggah", data={"csrf": csrf},
                              files={"berkas": (name, data, "text/plain")})
        assert answer.status_code == 400 and said in text_of(answer.text), name
    huge = console.post("/console/program/unggah", data={"csrf": csrf}, files={
        "berkas": ("program.csv", CSV.encode() + b"#" * (3 * 1024 * 1024), "text/csv")})
    assert huge.status_code == 413 and "2 MB" in text_of(huge.text)
    assert entries(console.database, "programs.uploaded") == []


def test_another_offices_program_is_404_like_a_missing_one_for_every_action(console):
    admin_of_ntb(console)
    make_staff(console.database, "990", "admin", SUMSEL_OFFICE, ("Sumatera Selatan",))
    add(console.database, SUMSEL_OFFICE, "songket")
    csrf = csrf_of(console.get("/console/program").text)
    missing = console.get("/console/program/nothing-here")
    assert missing.status_code == 404
    for path in ("", "/ubah"):
        theirs = console.get(f"/console/program/songket{path}")
        assert theirs.status_code == 404 and theirs.text == missing.text
    for path in ("/ubah", "/tutup", "/salin", "/terbitkan", "/hapus"):
        answer = console.post(f"/console/program/songket{path}",
                              data={**row("songket"), "csrf": csrf})
        assert answer.status_code == 404, path
    bad_upload = console.post("/console/program/unggah", data={"csrf": csrf}, files={
        "berkas": ("program.csv", (",".join(FIELDS) + "\n" + ",".join(row("songket").values())
                                   + "\n").encode(), "text/csv")})
    assert bad_upload.status_code == 400
    program = get_program(console.database, "songket")
    assert program is not None and program.office_id == SUMSEL_OFFICE
    assert program.title == "Pelatihan songket" and not program.draft
    assert get_program(console.database, "songket-2028") is None
    with session_scope(console.database) as session:
        assert session.exec(select(AuditEntry).where(AuditEntry.via == "console")).all() == []


def test_a_viewer_sees_the_programs_and_changes_none(console):
    viewer = make_staff(console.database, "902", "viewer", NTB_OFFICE, ("NTB",))
    add(console.database, NTB_OFFICE, "tenun-ntb")
    log_in(console, console.database, viewer)
    listed = console.get("/console/program")
    assert "Pelatihan tenun-ntb" in text_of(listed.text)
    assert "/program/baru" not in listed.text and "/program/unggah" not in listed.text
    page = console.get("/console/program/tenun-ntb")
    assert page.status_code == 200
    for action in ("ubah", "tutup", "salin", "hapus"):
        assert f"/program/tenun-ntb/{action}" not in page.text
    for path in ("/program/baru", "/program/unggah", "/program/tenun-ntb/ubah"):
        assert console.get(f"/console{path}").status_code == 403
    csrf = csrf_of(page.text)  # the log-out form's
    for path in ("/program/baru", "/program/tenun-ntb/ubah", "/program/tenun-ntb/tutup",
                 "/program/tenun-ntb/salin", "/program/tenun-ntb/hapus"):
        answer = console.post(f"/console{path}", data={**row("lain"), "csrf": csrf})
        assert answer.status_code == 403, path
    upload = console.post("/console/program/unggah", data={"csrf": csrf},
                          files={"berkas": ("program.csv", CSV.encode(), "text/csv")})
    assert upload.status_code == 403
    program = get_program(console.database, "tenun-ntb")
    assert program is not None and program.registration_deadline > NOW
    with session_scope(console.database) as session:
        assert len(session.exec(select(Program)).all()) == 1


def test_a_change_without_the_forms_token_is_refused(console):
    admin_of_ntb(console)
    add(console.database, NTB_OFFICE, "tenun-ntb")
    for path in ("/program/tenun-ntb/tutup", "/program/tenun-ntb/hapus"):
        assert console.post(f"/console{path}", data={}).status_code == 403
    made = console.post("/console/program/baru", data={**row("baru-1"), "csrf": "forged"})
    assert made.status_code == 403
    assert get_program(console.database, "tenun-ntb") is not None
    assert get_program(console.database, "baru-1") is None


def test_the_command_line_reads_xlsx_files_too(tmp_path):
    path = tmp_path / "program.xlsx"
    path.write_bytes(_xlsx(row("xlsx-1"), row("xlsx-2", quota=12.0)))
    found = read_rows(path).rows
    assert [number for number, _ in found] == [2, 3]
    assert program_values(found[1][1])["quota"] == 12


def test_a_draft_is_in_no_list_people_see_and_reminds_nobody(database):
    add(database, "pusat", "draf",
        registration_deadline=local(NOW + timedelta(days=2)))
    artisan_in_ntb(database)
    with session_scope(database) as session:
        program = session.get(Program, "draf")
        program.draft = True
    with session_scope(database) as session:
        assert programs.find(session, NOW, limit=50)[1] == 0
        assert signups.programs_with_signups(session, NOW, program_id="draf")[1] == 0
        assert reminders.run_due(session, NOW, quiet=None) == 0
        published = program_changes.publish(session, session.get(Program, "draf"), NOW,
                                            "Asia/Jakarta")
        assert not published.draft
    with session_scope(database) as session:
        assert programs.find(session, NOW, limit=50)[1] == 1
        assert signups.programs_with_signups(session, NOW, program_id="draf")[1] == 1
        assert reminders.run_due(session, NOW, quiet=None) == 1


def test_a_copy_keeps_the_local_time_a_year_on_and_takes_a_free_id(database):
    add(database, "pusat", "seminar", province="Bali", starts_at="2028-02-29T09:00",
        ends_at="2028-02-29T12:00", registration_deadline="2028-02-20")
    add(database, "pusat", "seminar-2029")
    with session_scope(database) as session:
        copy = program_changes.duplicate(session, session.get(Program, "seminar"), NOW,
                                         "Asia/Jakarta")
        assert copy.id == "seminar-2029-2" and copy.draft
        bali = translator("id", "Asia/Makassar")
        assert bali.datetime(copy.starts_at) == "Rabu, 28 Februari 2029 pukul 09.00 WITA"
        assert bali.datetime(copy.registration_deadline) == \
            "Selasa, 20 Februari 2029 pukul 23.59 WITA"


def test_a_broadcaster_looks_at_programs_but_changes_them_as_the_chat_allows(console):
    """Programs are made and changed by admins and curators, in the console as in /program."""
    admin_of_ntb(console)
    broadcaster = make_staff(console.database, "992", "broadcaster", NTB_OFFICE)
    console.cookies.clear()
    log_in(console, console.database, broadcaster)
    assert console.get("/console/program").status_code == 200
    assert console.get("/console/program/baru").status_code == 403
    csrf = csrf_of(console.get("/console/").text)
    made = console.post("/console/program/baru", data={**row("siaran-2027"), "csrf": csrf})
    assert made.status_code == 403 and get_program(console.database, "siaran-2027") is None
