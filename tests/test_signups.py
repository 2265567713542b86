"""Signing up for programs: who may and why not, exhibitions with products and funding
routes, seats first come first served, the waiting list, cancelling, and selection."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from conversations import lapas, selection, signups
from conversations.messages import Outbound
from storage import users as user_rows
from storage.db import session_scope
from storage.models import OutboxMessage, Product, Registration, User
from tests.conftest import START, Chat, together
from tests.test_finder import EXPO, add_programs, program


def accepted_product(conversations, address: str, name: str = "Kain Tenun Songket",
                     category: str = "tenun", code: str | None = None) -> int:
    """A product of the user at `address` that a curator accepted."""
    with session_scope(conversations.database) as session:
        user = user_rows.at(session, "terminal", address)
        product = Product(
            owner_id=user.id, lapas_id=user.lapas_id, producer_code=code,
            province=user.province, name=name, category=category, materials="katun",
            size="200 x 60 cm", price=1_500_000, capacity=20, description="Tenun ikat",
            photos=[{"path": f"ab/{name[:4].lower()}.jpg", "thumb": "t.jpg"}],
            status="accepted", decided_at=START)
        session.add(product)
        session.flush()
        return product.id


def artisan(conversations, address: str, province: str = "ntb", name: str = "Siti Aminah") -> Chat:
    person = Chat(conversations, address=address)
    person.register_artisan(province=province, name=name)
    return person


def open_program(chat: Chat, title: str) -> None:
    """Find programs, by keyword, and open the one with this title."""
    chat.say("cari program")
    chat.say(title.split()[0])
    for number, label in enumerate(chat.options, 1):
        if label.startswith(title):
            chat.say(str(number))
            break
    assert chat.step == "finder:detail", chat.text


def sign_up_for(chat: Chat, title: str) -> None:
    """Open the program and sign up at once (it asks nothing more than the summary)."""
    open_program(chat, title)
    chat.say("daftar")
    chat.say("daftar")


def registrations(conversations, program_id: str) -> list[Registration]:
    with Session(conversations.database) as session:
        return list(session.exec(select(Registration)
                                 .where(Registration.program_id == program_id)
                                 .order_by(Registration.seq)))


def pushes(conversations, kind: str) -> list[OutboxMessage]:
    with Session(conversations.database) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                 .order_by(OutboxMessage.id)))


def test_an_artisan_signs_up_for_an_exhibition_with_a_product_route_and_notes(conversations):
    add_programs(conversations, EXPO)
    siti = artisan(conversations, "a-1")
    accepted_product(conversations, "a-1", "Kain Tenun Songket")
    accepted_product(conversations, "a-1", "Selendang Ikat")
    open_program(siti, "Jakarta Expo Kerajinan")
    assert "Sisa 7 tempat" in siti.text
    siti.say("daftar")
    assert siti.step == "signup:products"
    assert any("Kain Tenun Songket" in o for o in siti.options)
    siti.say("1, 2")
    assert siti.step == "signup:route"
    for explained in ("APBN", "Kemendag", "Mandiri", "biaya sendiri", "sisa 2 tempat"):
        assert explained in siti.text + " ".join(siti.options)
    siti.say("mandiri")
    assert siti.step == "signup:notes"
    siti.say("Butuh listrik dan satu meja")
    assert siti.step == "signup:confirm"
    for shown in ("Jakarta Expo Kerajinan", "Kain Tenun Songket", "Selendang Ikat",
                  "Mandiri", "Butuh listrik", "10.00 WITA"):
        assert shown in siti.text
    siti.say("daftar")
    assert "tempat Anda terkonfirmasi" in siti.text
    assert "09.00 WIB (10.00 WITA)" in siti.text  # Jakarta's time, and Mataram's
    assert siti.step == "menu:choose"
    [signed] = registrations(conversations, "jakarta-expo")
    assert (signed.status, signed.funding_route, signed.notes) == (
        "confirmed", "mandiri", "Butuh listrik dan satu meja")
    assert len(signed.product_ids) == 2
    # The program's page now says so, and offers no second sign-up.
    open_program(siti, "Jakarta Expo Kerajinan")
    assert "Anda sudah terdaftar: terkonfirmasi" in siti.text
    assert "Daftar" not in siti.options


@pytest.mark.parametrize("telegram", [True, False], ids=["buttons", "typed"])
def test_a_training_sign_up_by_buttons_or_by_typing(conversations, telegram):
    add_programs(conversations, program("batik", 20, title="Pelatihan Pewarna Alam"))
    siti = artisan(conversations, "a-1")
    open_program(siti, "Pelatihan Pewarna Alam")
    if telegram:
        siti.say(choice="signup", )
        assert siti.step == "signup:confirm"  # no products, routes or notes for a training
        siti.say(choice="signup")
    else:
        siti.say("1")
        assert siti.step == "signup:confirm"
        siti.say("1")
    assert "terkonfirmasi" in siti.text
    assert [r.status for r in registrations(conversations, "batik")] == ["confirmed"]


def test_a_double_tap_or_a_repeated_message_makes_one_sign_up(conversations):
    add_programs(conversations, program("batik", 20, title="Pelatihan Pewarna Alam"))
    siti = artisan(conversations, "a-1")
    open_program(siti, "Pelatihan Pewarna Alam")
    siti.say("daftar")
    siti.say(choice="signup", message_id="tap-1")
    assert siti.say(choice="signup", message_id="tap-1") == []  # the platform retried it
    siti.say(choice="signup", message_id="tap-2")  # a second tap on the same button
    assert "pertanyaan sebelumnya" in siti.text
    assert len(registrations(conversations, "batik")) == 1
    # Asking to sign up again only shows the place already held.
    open_program(siti, "Pelatihan Pewarna Alam")
    siti.say("kembali")
    siti.say("1")
    assert "Daftar" not in siti.options


def test_who_may_not_sign_up_is_told_why_and_what_to_do(conversations):
    add_programs(
        conversations,
        program("lapas-only", 20, title="Pelatihan Desain Lapas"),
        program("sumsel", 20, province="sumatera selatan", kind="seminar",
                title="Seminar Karet Sumsel"),
        program("closed", 20, title="Pelatihan Kemasan Tutup",
                registration_deadline="2027-02-20T23:59"),
        program("kayu", 20, title="Pelatihan Ukir Kayu", categories="kayu"),
        EXPO,
    )
    siti = artisan(conversations, "a-1")
    expected = {
        "Pelatihan Desain Lapas": "hanya untuk Petugas Lapas",
        "Seminar Karet Sumsel": "untuk usaha di Sumatera Selatan, sedangkan usaha Anda di "
                                "Nusa Tenggara Barat",
        "Pelatihan Kemasan Tutup": ("ditutup pada Sabtu, 20 Februari 2027 pukul 23.59 WIB "
                                    "(21 Feb 00.59 WITA)"),
        "Pelatihan Ukir Kayu":
            "untuk jenis kerajinan berikut: Kayu. Jenis kerajinan Anda: Tenun, Batik",
        "Jakarta Expo Kerajinan": "memerlukan produk yang sudah lolos kurasi",
    }
    for title, why in expected.items():
        open_program(siti, title)
        if title == "Pelatihan Desain Lapas":  # the organiser narrowed it meanwhile
            add_programs(conversations, program("lapas-only", 20, title=title, audience="lapas"))
        siti.say("daftar")
        assert siti.step == "signup:check", title
        assert why in siti.text, (title, siti.text)
        siti.say("menu")
    assert registrations(conversations, "jakarta-expo") == []
    # With no accepted product, the way to one is offered.
    open_program(siti, "Jakarta Expo Kerajinan")
    siti.say("daftar")
    assert "Kirim produk" in siti.options
    assert "kurator" in siti.text
    siti.say("kirim produk")
    assert siti.step == "product:name"


def test_a_product_still_with_the_curators_is_mentioned(conversations):
    add_programs(conversations, EXPO)
    siti = artisan(conversations, "a-1")
    product = accepted_product(conversations, "a-1")
    with session_scope(conversations.database) as session:
        session.get(Product, product).status = "submitted"
    open_program(siti, "Jakarta Expo Kerajinan")
    siti.say("daftar")
    assert "1 produk Anda masih dikurasi" in siti.text


def test_signing_up_is_refused_once_the_deadline_passes_during_the_questions(conversations):
    add_programs(conversations, program("batik", 1, title="Pelatihan Pewarna Alam",
                                 registration_deadline="2027-03-01T09:30+07:00"))
    siti = artisan(conversations, "a-1")
    open_program(siti, "Pelatihan Pewarna Alam")
    siti.say("daftar")
    siti.wait(minutes=40)
    siti.say("daftar")
    assert "sudah ditutup" in siti.text
    assert registrations(conversations, "batik") == []


def _users(conversations, count: int, province: str = "Nusa Tenggara Barat") -> list[int]:
    with session_scope(conversations.database) as session:
        users = [User(channel="terminal", address=f"crowd-{n}", role="artisan",
                      name=f"Perajin {n}", business_name=f"Usaha {n}", province=province,
                      city="Mataram", categories=["tenun"], phone=f"+6281300000{n:03d}",
                      consent_at=START, registered_at=START)
                 for n in range(count)]
        session.add_all(users)
        session.flush()
        return [u.id for u in users]


def sign_up_directly(conversations, program_id: str, user_ids: list[int], route: str | None = None):
    """Sign-ups made in the order given, without the chat."""
    with session_scope(conversations.database) as session:
        return [signups.sign_up(session, program_id, session.get(User, user_id), route=route,
                                product_ids=[], notes="", now=START)
                for user_id in user_ids]


def test_fifty_people_at_once_for_ten_seats_get_ten_seats_and_a_waiting_list(conversations):
    add_programs(conversations, program("batik", 20, title="Pelatihan Pewarna Alam", quota="10"))
    _users(conversations, 50)
    crowd = [Chat(conversations, address=f"crowd-{n}") for n in range(50)]
    for person in crowd:
        open_program(person, "Pelatihan Pewarna Alam")
        person.say("daftar")
        assert person.step == "signup:confirm"
    heard: dict[str, str] = {}

    def confirm(person: Chat) -> None:
        heard[person.address] = "\n".join(r.text for r in person.say("daftar"))

    assert together(confirm, crowd) == []
    rows = registrations(conversations, "batik")
    assert len(rows) == 50
    assert [r.seq for r in rows] == list(range(1, 51))
    assert [r.status for r in rows] == ["confirmed"] * 10 + ["waitlisted"] * 40
    with Session(conversations.database) as session:
        positions = [signups.waitlist_position(session, r) for r in rows[10:]]
        addresses = {u.id: u.address for u in session.exec(select(User))}
    assert positions == list(range(1, 41))
    # Each was told what they got: a seat, or their own number on the waiting list.
    for row in rows[:10]:
        assert "terkonfirmasi" in heard[addresses[row.user_id]]
    for position, row in enumerate(rows[10:], 1):
        assert f"daftar tunggu nomor {position}." in heard[addresses[row.user_id]]


def test_a_cancelled_seat_goes_to_the_first_waiting_who_is_told(conversations):
    add_programs(conversations, program("batik", 20, title="Pelatihan Pewarna Alam", quota="2"))
    people = [artisan(conversations, f"a-{n}", name=name)
              for n, name in enumerate(("Siti Aminah", "Made Wirawan", "Dewi Lestari",
                                        "Rina Putri"))]
    for person in people:
        sign_up_for(person, "Pelatihan Pewarna Alam")
    assert "nomor 2" in people[3].text
    siti = people[0]
    siti.say("pendaftaran saya")
    assert siti.step == "my_signups:pick"
    assert "Pelatihan Pewarna Alam (terkonfirmasi)" in siti.options
    siti.say("1")
    siti.say("batalkan")
    assert siti.step == "my_signups:cancel"
    siti.say("ya")
    assert "sudah dibatalkan" in siti.text
    statuses = [r.status for r in registrations(conversations, "batik")]
    assert statuses == ["cancelled", "confirmed", "confirmed", "waitlisted"]
    [told] = pushes(conversations, "signup")
    assert told.address == "a-2"
    assert "tempat itu untuk Anda" in Outbound.from_payload(told.payload).text
    # The last one moved up the list too.
    people[3].say("pendaftaran saya")
    assert "Pelatihan Pewarna Alam (daftar tunggu nomor 1)" in people[3].options


def test_after_the_deadline_a_sign_up_cannot_be_cancelled_here(conversations):
    add_programs(conversations, program("batik", 2, title="Pelatihan Pewarna Alam", quota="2"))
    siti = artisan(conversations, "a-1")
    sign_up_for(siti, "Pelatihan Pewarna Alam")
    siti.wait(days=3)
    siti.say("pendaftaran saya")
    siti.say("1")
    assert "Batalkan pendaftaran ini" not in siti.options
    assert "mohon kabari penyelenggara" in siti.text


def test_funding_route_seats_are_kept_and_a_freed_apbn_seat_goes_to_an_apbn_waiter(conversations):
    add_programs(conversations, EXPO | {"quota": "5"})  # APBN has 2 seats
    ids = _users(conversations, 5)
    with session_scope(conversations.database) as session:
        users = [session.get(User, i) for i in ids]
        for user in users:
            session.add(Product(owner_id=user.id, province=user.province, name="Tenun",
                                category="tenun", materials="katun", size="1 m",
                                price=100_000, capacity=5, description="-",
                                status="accepted"))
        session.flush()
        made = [signups.sign_up(session, "jakarta-expo", user, route=route, product_ids=[],
                                notes="", now=START)
                for user, route in zip(users, ("apbn", "apbn", "apbn", "mandiri"),
                                       strict=False)]
    assert [m.registration.status for m in made] == [
        "confirmed", "confirmed", "waitlisted", "confirmed"]
    # The route question shows APBN as full.
    last = Chat(conversations, address="crowd-4")
    open_program(last, "Jakarta Expo Kerajinan")
    last.say("daftar")
    last.say("1")
    assert any("APBN" in o and "penuh" in o for o in last.options)
    # The first APBN seat is given back: the APBN waiter, not someone else, gets it.
    with session_scope(conversations.database) as session:
        cancelled, promoted = signups.cancel(session, made[0].registration.id, users[0],
                                             START, "Asia/Jakarta")
        assert cancelled is not None
        assert [p.id for p in promoted] == [made[2].registration.id]


def test_my_sign_ups_show_every_status(conversations):
    add_programs(conversations, program("a", 20, title="Pelatihan A", quota="1"),
                 program("b", 20, title="Pelatihan B", quota="1"),
                 program("c", 20, title="Seleksi C", kind="seleksi"),
                 program("d", 20, title="Seleksi D", kind="seleksi"))
    [other] = _users(conversations, 1)
    siti = artisan(conversations, "a-1")
    with session_scope(conversations.database) as session:
        first = session.get(User, other)
        signups.sign_up(session, "b", first, route=None, product_ids=[], notes="", now=START)
    for title in ("Pelatihan A", "Pelatihan B", "Seleksi C", "Seleksi D"):
        sign_up_for(siti, title)
    with session_scope(conversations.database) as session:
        rows = {r.program_id: r for r in session.exec(select(Registration))
                if r.party.startswith("user:") and r.user_id != other}
        decider = session.get(User, other)
        decider.staff_roles = ["curator"]
        selection.decide(session, rows["d"].id, decider, False, START, "Asia/Jakarta")
    siti.now = START + timedelta(minutes=10)  # the decision is final, and hers to see
    siti.say("pendaftaran saya")
    listed = " | ".join(siti.options)
    for shown in ("Pelatihan A (terkonfirmasi)", "Pelatihan B (daftar tunggu nomor 1)",
                  "Seleksi C (mendaftar, menunggu seleksi)", "Seleksi D (tidak lolos)"):
        assert shown in listed
    siti.say("Pelatihan A")
    siti.say("batalkan")
    siti.say("ya")
    assert "Pelatihan A (dibatalkan)" in " | ".join(siti.options)


def staff(conversations, address: str, role: str = "admin") -> Chat:
    person = artisan(conversations, address, name="Dewi Staf")
    with session_scope(conversations.database) as session:
        user = user_rows.at(session, "terminal", address)
        user.staff_roles = [role]
    return person


def test_staff_select_participants_and_each_applicant_is_told(conversations):
    add_programs(conversations, program("dds", 20, kind="pendampingan", quota="1",
                                 title="Designer Dispatch Service"))
    applicants = [artisan(conversations, f"a-{n}", name=name)
                  for n, name in enumerate(("Siti Aminah", "Made Wirawan", "Rina Putri"))]
    for person in applicants:
        sign_up_for(person, "Designer Dispatch Service")
        assert "akan menyeleksi" in person.text
    applicants[0].say("/program")
    assert "hanya untuk staf" in applicants[0].text
    dewi = staff(conversations, "s-1")
    dewi.say("/program")
    assert dewi.step == "program_admin:pick"
    assert "Designer Dispatch Service (3 pendaftar)" in dewi.options
    dewi.say("1")
    assert "Mendaftar, menunggu seleksi: 3" in dewi.text
    dewi.say("seleksi peserta")
    assert "Siti Aminah" in dewi.text  # the earliest first
    for answer in ("lolos", "ya"):
        dewi.say(answer)
    assert "Made Wirawan" in dewi.text
    dewi.say("lolos")
    dewi.say("ya")  # the one place is given
    assert "Kuota 1 peserta sudah penuh" in dewi.text and "Made Wirawan" in dewi.text
    for answer in ("tidak lolos", "ya"):
        dewi.say(answer)
    assert "Rina Putri" in dewi.text
    dewi.say("lewati")
    assert "Tidak ada pendaftar yang menunggu" in dewi.text
    dewi.say("selesai menyeleksi")
    assert dewi.step == "program_admin:action"
    assert [r.status for r in registrations(conversations, "dds")] == [
        "selected", "not_selected", "confirmed"]
    told = {m.address: Outbound.from_payload(m.payload).text
            for m in pushes(conversations, "selection")}
    assert "Selamat" in told["a-0"] and "tidak lolos" in told["a-1"] and "a-2" not in told


def test_two_staff_deciding_one_applicant_the_first_counts(conversations):
    add_programs(conversations, program("dds", 20, kind="seleksi", title="Seleksi Desain"))
    siti = artisan(conversations, "a-1")
    sign_up_for(siti, "Seleksi Desain")
    first, second = staff(conversations, "s-1"), staff(conversations, "s-2", role="curator")
    for person in (first, second):
        for answer in ("/program", "1", "seleksi"):
            person.say(answer)
        assert "Siti Aminah" in person.text
    first.say("lolos")
    second.say("tidak lolos")
    first.say("ya")
    second.say("ya")
    assert "Staf lain baru saja memutuskan" in second.text
    assert [r.status for r in registrations(conversations, "dds")] == ["selected"]
    assert len(pushes(conversations, "selection")) == 1


def test_a_lapas_signs_up_once_whichever_officer_does_it(conversations):
    from tests.test_products import register_officer

    add_programs(conversations, EXPO | {"province": "nasional", "audience": "both"})
    with session_scope(conversations.database) as session:
        code = lapas.add(session, "Lapas Kelas IIA Mataram",
                         "Nusa Tenggara Barat").invite_code
    budi = register_officer(conversations, "o-1", code, "Budi Santoso")
    ani = register_officer(conversations, "o-2", code, "Ani Wulandari")
    accepted_product(conversations, "o-1", "Keset Batok", "batok-kelapa", code="WB-17")
    open_program(budi, "Jakarta Expo Kerajinan")
    budi.say("daftar")
    budi.say("1")
    budi.say("mandiri")
    budi.say("tidak ada")
    budi.say("daftar")
    assert "terkonfirmasi" in budi.text
    open_program(ani, "Jakarta Expo Kerajinan")
    assert "Anda sudah terdaftar" in ani.text  # her Lapas holds the place
    ani.say("menu")
    ani.say("pendaftaran saya")
    assert any(o.startswith("Jakarta Expo Kerajinan") for o in ani.options), ani.text


def test_signed_up_time_is_kept(conversations):
    add_programs(conversations, program("batik", 20, title="Pelatihan Pewarna Alam"))
    siti = artisan(conversations, "a-1")
    sign_up_for(siti, "Pelatihan Pewarna Alam")
    [row] = registrations(conversations, "batik")
    assert abs(row.signed_up_at - siti.now) < timedelta(seconds=1)


# Exports for organisers


def _exhibition_with_every_kind_of_sign_up(conversations) -> None:
    """Two artisans with seats, one waiting, one cancelled, and a Lapas: quota 3."""
    from tests.test_products import register_officer

    add_programs(conversations, EXPO | {"quota": "3", "province": "nasional"})
    with session_scope(conversations.database) as session:
        code = lapas.add(session, "Lapas Kelas IIA Mataram",
                         "Nusa Tenggara Barat").invite_code
    people = [artisan(conversations, f"a-{n}", name=name)
              for n, name in enumerate(("Siti Aminah", "Made Wirawan", "Rina Putri"))]
    budi = register_officer(conversations, "o-1", code, "Budi Santoso")
    accepted_product(conversations, "o-1", "Keset Batok", "batok-kelapa", code="WB-17")
    for n, person in enumerate([people[0], budi, people[1], people[2]]):
        if person is not budi:
            accepted_product(conversations, person.address, f"Songket {n}")
        open_program(person, "Jakarta Expo Kerajinan")
        person.say("daftar")
        person.say("1")
        person.say("mandiri")
        person.say("=HYPERLINK(\"http://evil\")" if n == 2 else "tidak ada")
        person.say("daftar")
    people[2].say("pendaftaran saya")
    people[2].say("1")
    people[2].say("batalkan")
    people[2].say("tidak")  # keeps it: waiting, number 1
    people[0].wait(minutes=1)
    with session_scope(conversations.database) as session:
        [row] = [r for r in session.exec(select(Registration)) if r.seq == 1]
        signups.cancel(session, row.id, session.get(User, row.user_id),
                       START + timedelta(hours=1), "Asia/Jakarta")


def _read(path):
    import csv

    import openpyxl

    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    sheet = openpyxl.load_workbook(path).active
    values = list(sheet.values)
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_export_lists_every_sign_up_and_names_no_inmate_or_officer(
        conversations, database_url, tmp_path, suffix):
    from tests.test_cli import kriya, no_traceback

    _exhibition_with_every_kind_of_sign_up(conversations)
    out = tmp_path / f"tei{suffix}"
    result = kriya(database_url, "export", "registrations", "--program", "jakarta-expo",
                   "--out", str(out))
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert "4 sign-ups" in result.stdout
    rows = _read(out)
    assert [r["Status"] for r in rows] == ["dibatalkan", "terkonfirmasi", "terkonfirmasi",
                                           "terkonfirmasi"]
    siti, lapas, made, rina = rows
    assert (siti["Nama"], siti["Nama usaha"], siti["Provinsi"], siti["Kota atau kabupaten"]) == (
        "Siti Aminah", "Tenun Ikat Sasak", "Nusa Tenggara Barat", "Kota Mataram")
    assert siti["Nomor HP"] == "+6281234567890"
    assert "Tenun" in siti["Jenis kerajinan"]
    assert siti["Jalur pembiayaan"] == "Mandiri (biaya sendiri)"
    assert siti["Produk"] == "Songket 0" and siti["Foto"].endswith("ab/song.jpg")
    assert str(siti["Waktu mendaftar (WIB)"]).startswith("2027-03-01 09:")
    # The Lapas: its name and the maker's code, no person's name anywhere.
    assert (lapas["Lapas"], lapas["Kode pembuat"], lapas["Nama"] or "") == (
        "Lapas Kelas IIA Mataram", "WB-17", "")
    text = out.read_bytes() if suffix == ".csv" else repr(rows).encode()
    assert b"Budi" not in text
    # What a user typed never becomes a formula in the organiser's spreadsheet.
    assert made["Catatan"].startswith("'=HYPERLINK")
    assert rina["Nomor daftar tunggu"] in (None, "")  # moved up when Siti cancelled


def test_the_export_shows_waiting_list_positions(conversations, database_url, tmp_path):
    from tests.test_cli import kriya

    add_programs(conversations, program("batik", 20, title="Pelatihan Pewarna Alam", quota="1"))
    sign_up_directly(conversations, "batik", _users(conversations, 3))
    out = tmp_path / "batik.csv"
    assert kriya(database_url, "export", "registrations", "--program", "batik", "--out",
                 str(out), "--lang", "en").returncode == 0
    rows = _read(out)
    assert [(r["Status"], r["Waiting list position"]) for r in rows] == [
        ("confirmed", ""), ("on the waiting list", "1"), ("on the waiting list", "2")]


def test_export_mistakes_are_one_line_with_status_2(database_url, tmp_path):
    from tests.test_cli import kriya, no_traceback

    for args, reason in ((["--program", "nope", "--out", str(tmp_path / "x.csv")], "no program"),
                         (["--program", "nope", "--out", str(tmp_path / "x.pdf")], ".csv or .xlsx"),
                         (["--program", "nope", "--out", str(tmp_path / "no" / "x.csv")],
                          "no such folder")):
        result = kriya(database_url, "export", "registrations", *args)
        no_traceback(result)
        assert result.returncode == 2 and reason in result.stderr, result.stderr


def test_staff_get_the_list_as_a_file_in_the_chat(conversations, tmp_path):
    import openpyxl

    _exhibition_with_every_kind_of_sign_up(conversations)
    dewi = staff(conversations, "s-1")
    dewi.say("/program")
    dewi.say("Jakarta Expo")
    assert "Terkonfirmasi: 3 / 3" in dewi.text and "Dibatalkan: 1" in dewi.text
    dewi.say("excel")
    assert "File sedang dikirim" in dewi.text
    [sent] = pushes(conversations, "export")
    message = Outbound.from_payload(sent.payload)
    assert sent.address == "s-1" and message.filename.endswith(".xlsx")
    assert "4 pendaftar" in message.text
    book = openpyxl.load_workbook(tmp_path / "media" / message.document)
    assert book.active.max_row == 5  # the header and four sign-ups


def test_erasing_ones_data_frees_the_seat_for_the_next_who_is_told(conversations):
    add_programs(conversations, program("batik", 20, title="Pelatihan Pewarna Alam", quota="1"))
    siti, made = artisan(conversations, "a-1"), artisan(conversations, "a-2", name="Made Wirawan")
    for person in (siti, made):
        sign_up_for(person, "Pelatihan Pewarna Alam")
    siti.say("data saya")
    siti.say("hapus")
    siti.say("ya")
    assert "sudah dihapus" in siti.text
    assert [r.status for r in registrations(conversations, "batik")] == ["confirmed"]
    [told] = pushes(conversations, "signup")
    assert told.address == "a-2"


def test_a_reapplicant_can_be_selected_again(conversations):
    add_programs(conversations, program("dds", 20, kind="seleksi", title="Seleksi Desain"))
    siti = artisan(conversations, "a-1")
    dewi = staff(conversations, "s-1")
    for round_ in range(2):
        sign_up_for(siti, "Seleksi Desain")
        for answer in ("/program", "Seleksi Desain", "seleksi", "lolos", "ya"):
            dewi.say(answer)
        assert "Tercatat: Siti Aminah (Tenun Ikat Sasak, Kota Mataram), lolos" in dewi.text
        dewi.say("menu")
        if round_ == 0:
            siti.now = dewi.now + timedelta(minutes=10)  # told, and final
            siti.say("pendaftaran saya")
            siti.say("1")
            siti.say("batalkan")
            siti.say("ya")
            siti.say("menu")
            dewi.now = siti.now
    assert len(pushes(conversations, "selection")) == 2


def test_more_seats_in_a_reimported_program_move_the_waiting_list_up(conversations, database_url,
                                                                    tmp_path):
    from tests.test_cli import kriya

    add_programs(conversations, program("batik", 20, title="Pelatihan Pewarna Alam", quota="1"))
    sign_up_directly(conversations, "batik", _users(conversations, 3))
    file = tmp_path / "programs.csv"
    file.write_text("id,kind,title,starts_at,ends_at,registration_deadline,quota\n"
                    "batik,pelatihan,Pelatihan Pewarna Alam,2027-04-20T09:00,2027-04-21T16:00,"
                    "2027-03-20T23:59,2\n")
    result = kriya(database_url, "programs", "import", str(file))
    assert result.returncode == 0 and "1 moved up" in result.stdout, result.stderr
    assert [r.status for r in registrations(conversations, "batik")] == [
        "confirmed", "confirmed", "waitlisted"]
    assert len(pushes(conversations, "signup")) == 1
