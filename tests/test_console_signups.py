"""The console's Pendaftar page: an office reads a program's sign-ups (status, place on the
waiting list, funding route, products, the time in its own zone), filters and sorts them;
selects applicants one by one or the ticked ones within the quota, undoes its own decision
for ten minutes before the applicant is told, moves the waiting list up, and downloads the
same file as `kriya export registrations`. A viewer only reads; another office gets a 404;
of two organisers deciding one applicant, the first wins."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlmodel import select

from bot.console import web
from conversations import exports, offices, programs, sending, signups
from conversations.i18n import translator
from conversations.photos import store_photo
from conversations.program_files import program_values
from storage.access_models import AuditEntry
from storage.db import session_scope
from storage.media import MediaStore
from storage.models import OutboxMessage, Product, Program, Registration, User
from tests.console_helpers import csrf_of, log_in, make_staff, served, text_of
from tests.test_console_programs import row

NTB_OFFICE, NTB = "disperindag-ntb", "Nusa Tenggara Barat"
WITA = translator("id", "Asia/Makassar")
START = datetime.now(UTC).replace(microsecond=0)


class Clock:
    """The console's clock, which a test moves."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    found = Clock()
    monkeypatch.setattr(web, "utcnow", found)
    return found


@pytest.fixture
def console(database_url, tmp_path, clock) -> Iterator[Any]:
    with served(database_url, tmp_path) as client:
        yield client


def add_program(database: Any, program_id: str, office: str = NTB_OFFICE, **changes: Any
                ) -> None:
    with session_scope(database) as session:
        if offices.get(session, office) is None:
            offices.add(session, "Disperindag NTB", office, ["NTB"])
        programs.save(session, {**program_values(row(program_id, **changes)),
                                "office_id": office}, START, "Asia/Jakarta")


def applicant(database: Any, program_id: str, name: str, *, province: str = NTB,
              route: str | None = None, notes: str = "", minutes_ago: int = 60,
              photo_in: MediaStore | None = None) -> int:
    """A registered artisan signed up for the program `minutes_ago`; with a product whose
    photo is in the media store, if given."""
    with session_scope(database) as session:
        user = User(channel="telegram", address=f"62-{name}", role="artisan", name=name,
                    business_name=f"UD {name}", province=province, city="Mataram",
                    categories=["tenun"], registered_at=START - timedelta(days=5))
        session.add(user)
        session.flush()
        products = []
        if photo_in is not None:
            data = io.BytesIO()
            Image.new("RGB", (600, 400), "orange").save(data, "JPEG")
            stored = store_photo(photo_in, data.getvalue())
            product = Product(owner_id=user.id, province=province, name=f"Tenun {name}",
                              category="tenun", materials="katun", size="2 m", price=500_000,
                              capacity=5, description="Tenun ikat", status="accepted",
                              photos=[{"path": stored.path, "thumb": stored.thumb}])
            session.add(product)
            session.flush()
            products = [product.id]
        made = signups.sign_up(session, program_id, user, route=route, product_ids=products,
                               notes=notes, now=START - timedelta(minutes=minutes_ago))
        assert made is not None
        return made.registration.id or 0


def statuses(database: Any, program_id: str) -> dict[str, str]:
    with session_scope(database) as session:
        found = session.exec(select(Registration, User).where(
            Registration.program_id == program_id, Registration.user_id == User.id))
        return {user.name or "": registration.status for registration, user in found}


def organiser(console: Any, address: str = "901", name: str = "Ayu") -> int:
    admin = make_staff(console.database, address, "admin", NTB_OFFICE, ("NTB",), name)
    log_in(console, console.database, admin)
    return admin


def page_of(console: Any, program_id: str, query: str = "") -> tuple[str, str]:
    shown = console.get(f"/console/program/{program_id}/pendaftar{query}")
    assert shown.status_code == 200, shown.text
    return shown.text, text_of(shown.text)


def post(console: Any, program_id: str, data: dict[str, Any], query: str = ""
         ) -> httpx.Response:
    body, _ = page_of(console, program_id)
    return console.post(f"/console/program/{program_id}/pendaftar/ubah{query}",
                        data={"csrf": csrf_of(body), **data}, follow_redirects=True)


def a_selection(console: Any, quota: str = "2") -> dict[str, int]:
    add_program(console.database, "seleksi-desain", kind="seleksi", quota=quota,
                title="Seleksi Desain Kemasan")
    return {name: applicant(console.database, "seleksi-desain", name, minutes_ago=60 - n)
            for n, name in enumerate(("Siti", "Baiq", "Lalu", "Wayan"))}


def entries(database: Any, action: str) -> list[AuditEntry]:
    with session_scope(database) as session:
        found = list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))
        for entry in found:
            session.expunge(entry)
        return found


def test_the_table_shows_status_place_route_products_and_wita_times_filtered_and_sorted(
        console, monkeypatch):
    add_program(console.database, "pameran-lombok", kind="pameran", quota="1",
                title="Pameran Tenun Lombok", funding_routes="apbn,mandiri",
                requires_curated_product="no")
    media = MediaStore(console.media)
    applicant(console.database, "pameran-lombok", "Siti", route="apbn", notes="Bawa 3 kain",
              minutes_ago=90, photo_in=media)
    applicant(console.database, "pameran-lombok", "Baiq", route="mandiri", minutes_ago=80)
    applicant(console.database, "pameran-lombok", "Agus", province="Bali", minutes_ago=70)
    organiser(console)
    body, seen = page_of(console, "pameran-lombok")
    when = START - timedelta(minutes=90)
    assert f"{WITA.short_date(when)} {WITA.time(when)}" in seen  # the office's zone
    assert "WITA" in seen and "Waktu ditampilkan dalam WITA" in seen
    for shown in ("Siti", "UD Siti", "APBN (anggaran negara)", "Bawa 3 kain", "terkonfirmasi",
                  "Tenun Siti", "Mandiri (biaya sendiri)", "urutan ke-1 di daftar tunggu",
                  "urutan ke-2 di daftar tunggu", "Bali"):
        assert shown in seen, shown
    [thumb] = [part.split('"')[0] for part in body.split('src="')[1:]]
    assert thumb.startswith("/console/foto/")
    assert console.get(thumb).status_code == 200

    _, waiting = page_of(console, "pameran-lombok", "?status=waitlisted")
    assert "Baiq" in waiting and "Agus" in waiting and "Siti" not in waiting
    _, bali = page_of(console, "pameran-lombok", "?provinsi=Bali")
    assert "Agus" in bali and "Baiq" not in bali
    _, mandiri = page_of(console, "pameran-lombok", "?jalur=mandiri")
    assert "Baiq" in mandiri and "Agus" not in mandiri
    _, by_name = page_of(console, "pameran-lombok", "?urut=name")
    assert by_name.index("Agus") < by_name.index("Baiq") < by_name.index("Siti")
    _, by_province = page_of(console, "pameran-lombok", "?urut=province")
    assert by_province.index("Agus") < by_province.index("Siti")
    _, by_status = page_of(console, "pameran-lombok", "?urut=status")
    assert by_status.index("Siti") < by_status.index("Baiq") < by_status.index("Agus")

    monkeypatch.setattr(web, "PAGE_SIZE", 1)  # pages keep the filters and the order
    body, first = page_of(console, "pameran-lombok", "?status=waitlisted&urut=name")
    assert "Agus" in first and "Baiq" not in first
    assert "status=waitlisted&amp;urut=name&amp;hal=2" in body
    _, second = page_of(console, "pameran-lombok", "?status=waitlisted&urut=name&hal=2")
    assert "Baiq" in second and "Agus" not in second
    _, odd = page_of(console, "pameran-lombok", "?status=nope&urut=%3Cb%3E&hal=x")
    assert "Siti" in odd  # a link edited by hand shows everything, not an error


def test_selecting_one_then_the_ticked_within_the_quota_and_too_many_refused_whole(console):
    ids = a_selection(console)
    organiser(console)
    _, seen = page_of(console, "seleksi-desain")
    assert "mendaftar, menunggu seleksi" in seen and "Kuota 2 peserta" in seen
    done = post(console, "seleksi-desain", {"lolos": ids["Siti"]}, "?urut=name")
    assert done.status_code == 200 and "urut=name" in str(done.url)  # the order is kept
    assert "Ditandai lolos: 1." in text_of(done.text)
    too_many = post(console, "seleksi-desain", {"lolos": "centang",
                                                "pilih": [ids["Baiq"], ids["Lalu"]]})
    assert too_many.status_code == 409
    assert ("Sisa kuota hanya 1 tempat dari 2, sedangkan Anda mencentang 2. Tidak ada yang "
            "diubah") in text_of(too_many.text)
    assert statuses(console.database, "seleksi-desain") == {
        "Siti": "selected", "Baiq": "confirmed", "Lalu": "confirmed", "Wayan": "confirmed"}
    for odd in ({"lolos": "99999999999999999999"}, {"batalkan": "x"}, {}):
        assert post(console, "seleksi-desain", odd).status_code in (200, 400)
    nothing = post(console, "seleksi-desain", {"lolos": "centang"})
    assert nothing.status_code == 400 and "Centang dulu" in text_of(nothing.text)
    both = post(console, "seleksi-desain", {"tidak": "centang",
                                            "pilih": [ids["Baiq"], ids["Lalu"]]})
    assert "Ditandai tidak lolos: 2." in text_of(both.text)
    assert statuses(console.database, "seleksi-desain") == {
        "Siti": "selected", "Baiq": "not_selected", "Lalu": "not_selected",
        "Wayan": "confirmed"}
    post(console, "seleksi-desain", {"lolos": ids["Wayan"]})
    body, seen = page_of(console, "seleksi-desain")
    assert "Kuota sudah penuh" in seen and 'name="lolos"' not in body
    post(console, "seleksi-desain", {"batalkan": ids["Baiq"]})  # waiting again
    full = post(console, "seleksi-desain", {"lolos": ids["Baiq"]})  # from an older page
    assert full.status_code == 409 and ("Kuota 2 peserta sudah penuh, jadi tidak ada lagi "
                                        "yang bisa diloloskan") in text_of(full.text)
    assert statuses(console.database, "seleksi-desain")["Baiq"] == "confirmed"
    assert len(entries(console.database, "selection.decided")) == 4
    assert {e.via for e in entries(console.database, "selection.decided")} == {"console"}


def selection_news(database: Any, at: datetime) -> list[str]:
    """The addresses selection news goes to when a dispatcher looks at `at`."""
    with session_scope(database) as session:
        return [m.address for m in sending.claim(session, "telegram", at, 100,
                                                 timedelta(minutes=1)) if m.kind == "selection"]


def test_an_organiser_undoes_within_ten_minutes_and_the_applicant_is_told_only_after(
        console, clock):
    ids = a_selection(console)
    organiser(console)
    post(console, "seleksi-desain", {"lolos": ids["Siti"]})
    post(console, "seleksi-desain", {"tidak": ids["Baiq"]})
    clock.now = START + timedelta(minutes=3)
    _, seen = page_of(console, "seleksi-desain")
    assert seen.count("Batalkan keputusan") == 2 and "tinggal 7 menit" in seen
    assert f"diberi tahu pukul {WITA.time(START + timedelta(minutes=10))}" in seen
    undone = post(console, "seleksi-desain", {"batalkan": ids["Baiq"]})
    assert "Keputusan dibatalkan" in text_of(undone.text)
    assert statuses(console.database, "seleksi-desain")["Baiq"] == "confirmed"
    assert entries(console.database, "selection.undone")[0].via == "console"

    assert selection_news(console.database, START + timedelta(minutes=9, seconds=59)) == []
    clock.now = START + timedelta(minutes=11)
    _, later = page_of(console, "seleksi-desain")
    assert "Batalkan keputusan" not in later
    late = post(console, "seleksi-desain", {"batalkan": ids["Siti"]})
    assert late.status_code == 409 and "tidak dapat dibatalkan lagi" in text_of(late.text)
    assert statuses(console.database, "seleksi-desain")["Siti"] == "selected"
    # Siti hears at ten minutes; Baiq, whose decision was undone, never does.
    assert selection_news(console.database, START + timedelta(minutes=10)) == ["62-Siti"]


def test_the_waiting_list_moves_up_into_a_free_seat_with_a_button(console):
    add_program(console.database, "pelatihan-pewarna", quota="1", requires_curated_product="no")
    applicant(console.database, "pelatihan-pewarna", "Siti", minutes_ago=50)
    applicant(console.database, "pelatihan-pewarna", "Baiq", minutes_ago=40)
    applicant(console.database, "pelatihan-pewarna", "Lalu", minutes_ago=30)
    organiser(console)
    _, seen = page_of(console, "pelatihan-pewarna")
    assert "Naikkan" not in seen  # no free seat yet
    with session_scope(console.database) as session:  # a seat freed outside the console
        session.get(Program, "pelatihan-pewarna").quota = 2
    _, seen = page_of(console, "pelatihan-pewarna")
    assert "Naikkan 1 dari daftar tunggu" in seen
    moved = post(console, "pelatihan-pewarna", {"naikkan": "1"})
    assert "Naik dari daftar tunggu: 1." in text_of(moved.text)
    assert statuses(console.database, "pelatihan-pewarna") == {
        "Siti": "confirmed", "Baiq": "confirmed", "Lalu": "waitlisted"}
    with session_scope(console.database) as session:
        told = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "signup")).all()
        assert [m.address for m in told] == ["62-Baiq"]
    [entry] = entries(console.database, "signup.promoted")
    assert entry.via == "console" and entry.after == {"status": "confirmed"}


def test_downloads_are_the_export_commands_file(console, tmp_path):
    add_program(console.database, "pameran-lombok", kind="pameran", quota="1",
                title="Pameran Tenun Lombok", requires_curated_product="no")
    applicant(console.database, "pameran-lombok", "Siti", notes="=1+1", minutes_ago=30)
    applicant(console.database, "pameran-lombok", "Baiq", minutes_ago=20)
    organiser(console)
    files = {}
    with session_scope(console.database) as session:
        program = session.get(Program, "pameran-lombok")
        for fmt in ("csv", "xlsx"):
            files[fmt] = tmp_path / f"out.{fmt}"
            exports.write_registrations(session, program, translator("id", exports.FILE_ZONE),
                                        str(console.media), files[fmt])
    got = console.get("/console/program/pameran-lombok/pendaftar/unduh/csv")
    assert got.status_code == 200
    assert got.content == files["csv"].read_bytes()
    assert 'filename="pendaftar-pameran-lombok-' in got.headers["content-disposition"]
    assert [r[0] for r in csv.reader(io.StringIO(got.content.decode("utf-8-sig")))][1:] == [
        "Siti", "Baiq"]
    got = console.get("/console/program/pameran-lombok/pendaftar/unduh/xlsx")
    assert got.status_code == 200 and got.headers["content-type"].startswith(
        "application/vnd.openxmlformats")
    downloaded = load_workbook(io.BytesIO(got.content)).active
    written = load_workbook(files["xlsx"]).active
    assert [list(r) for r in downloaded.iter_rows(values_only=True)] == [
        list(r) for r in written.iter_rows(values_only=True)]
    assert len(entries(console.database, "signups.exported")) == 2
    assert console.get("/console/program/pameran-lombok/pendaftar/unduh/pdf").status_code == 404


def test_a_viewer_reads_the_table_but_changes_nothing_and_downloads_nothing(console):
    ids = a_selection(console)
    viewer = make_staff(console.database, "902", "viewer", NTB_OFFICE, ("NTB",))
    log_in(console, console.database, viewer)
    body, seen = page_of(console, "seleksi-desain")
    assert "Siti" in seen and "Unduh" not in seen and 'name="lolos"' not in body
    csrf = csrf_of(body)  # the log-out form's
    refused = console.post("/console/program/seleksi-desain/pendaftar/ubah",
                           data={"csrf": csrf, "lolos": ids["Siti"]})
    assert refused.status_code == 403
    for fmt in ("csv", "xlsx"):
        assert console.get(f"/console/program/seleksi-desain/pendaftar/unduh/{fmt}"
                           ).status_code == 403
    assert statuses(console.database, "seleksi-desain")["Siti"] == "confirmed"


def test_another_offices_program_is_a_404_for_reading_changing_and_downloading(console):
    ids = a_selection(console)
    other = make_staff(console.database, "990", "admin", "disperindag-sumsel",
                       ("Sumatera Selatan",))
    log_in(console, console.database, other)
    path = "/console/program/seleksi-desain/pendaftar"
    assert console.get(path).status_code == 404
    csrf = csrf_of(console.get("/console/").text)
    assert console.post(f"{path}/ubah", data={"csrf": csrf, "lolos": ids["Siti"]}
                        ).status_code == 404
    assert console.get(f"{path}/unduh/xlsx").status_code == 404
    assert statuses(console.database, "seleksi-desain")["Siti"] == "confirmed"


def test_of_two_organisers_deciding_one_applicant_the_first_wins(console):
    ids = a_selection(console)
    organiser(console, "901", "Ayu")
    with httpx.Client(base_url=str(console.base_url), follow_redirects=True) as second:
        organiser_b = make_staff(console.database, "903", "curator", NTB_OFFICE, ("NTB",),
                                 "Rina")
        log_in(second, console.database, organiser_b)
        body, _ = page_of(second, "seleksi-desain")  # Rina opened the page before
        post(console, "seleksi-desain", {"lolos": ids["Siti"]})
        late = second.post("/console/program/seleksi-desain/pendaftar/ubah",
                           data={"csrf": csrf_of(body), "tidak": "centang",
                                 "pilih": [ids["Siti"], ids["Baiq"]]})
        said = text_of(late.text)
        assert "Tidak diubah: Siti (UD Siti, Mataram): sudah diputuskan lolos oleh Ayu." in said
        assert "Ditandai tidak lolos: 1." in said
        undo = second.post("/console/program/seleksi-desain/pendaftar/ubah",
                           data={"csrf": csrf_of(body), "batalkan": ids["Siti"]})
        assert undo.status_code == 409  # only Ayu may take back her decision
    assert statuses(console.database, "seleksi-desain") == {
        "Siti": "selected", "Baiq": "not_selected", "Lalu": "confirmed", "Wayan": "confirmed"}
