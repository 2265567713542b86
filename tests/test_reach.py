"""An office's reach in the chat: staff of a provincial office see and act on the people,
products and programs of its provinces only; a viewer looks and changes nothing; every
change is in the audit log; /konsol gives a one-time link to the console."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from bot import channels
from conversations import audit, broadcasts, curation, logins, offices, selection, staff
from conversations import programs as program_domain
from conversations.context import Settings
from conversations.engine import Conversations
from conversations.flows import FLOWS
from conversations.program_files import program_values
from storage import users
from storage.db import session_scope
from storage.models import Broadcast, OutboxMessage, Product, User
from storage.statuses import ProductStatus, SignUpStatus
from tests.conftest import START, Chat
from tests.test_finder import program
from tests.test_reminders import people
from tests.test_selection import SELECTION, selecting, two_sitis
from tests.test_signups import registrations

NTB = "disperindag-ntb"


def ntb_office(database) -> None:
    with session_scope(database) as session:
        offices.add(session, "Disperindag NTB", NTB, ["ntb"])


def staff_of(conversations, address: str, role: str, office: str = NTB,
             name: str = "Dewi Petugas") -> Chat:
    """A staff member registered as an artisan in Jawa Timur, working for `office`."""
    person = Chat(conversations, address=address)
    person.register_artisan(province="jatim", name=name)
    with session_scope(conversations.database) as session:
        staff.give_role(session, "terminal", address, role, office_id=office)
    return person


def user_at(session, address: str, channel: str = "terminal") -> User:
    found = users.at(session, channel, address)
    assert found is not None
    return found


def add_program(conversations, row: dict, office: str) -> None:
    with session_scope(conversations.database) as session:
        program_domain.save(session, {**program_values(row), "office_id": office}, START,
                            "Asia/Jakarta")


def entries(database, office: str | None, kind: str | None = None) -> list:
    with Session(database) as session:
        return audit.page(session, office, object_kind=kind)[0]


# Broadcasts


def test_a_provincial_broadcaster_reaches_only_the_office_provinces(conversations):
    ntb_office(conversations.database)
    people(conversations.database, "Nusa Tenggara Barat", "Jawa Timur", "Papua",
           "Nusa Tenggara Barat")
    dewi = staff_of(conversations, "s-1", "broadcaster")
    for answer in ("/siaran", "Pelatihan tenun di Mataram dibuka!", "lewati", "semua",
                   "sekarang"):
        dewi.say(answer)
    assert dewi.step == "broadcast:confirm"
    # "Everyone" is everyone of the office's provinces, and the count says so.
    assert "Penerima: semua pengguna terdaftar\nDi: Nusa Tenggara Barat" in dewi.text
    assert "Jumlah penerima: 2 orang" in dewi.text
    dewi.say("kirim")
    assert "untuk 2 penerima" in dewi.text
    with Session(conversations.database) as session:
        [made] = session.exec(select(Broadcast)).all()
        sent = session.exec(select(OutboxMessage).where(
            OutboxMessage.topic == f"broadcast:{made.id}")).all()
    assert made.audience == {"provinces": ["Nusa Tenggara Barat"]}
    assert sorted(m.address for m in sent) == ["1000", "1003"]
    # Provinces to choose from are the office's; another is refused, kindly.
    for answer in ("/siaran", "Pameran di Mataram", "lewati", "provinsi"):
        dewi.say(answer)
    assert dewi.step == "broadcast:provinces"
    assert [o.label for o in dewi.last.options if o.number == "1"] == ["Nusa Tenggara Barat"]
    assert len([o for o in dewi.last.options if o.number.isdigit() and o.number != "0"]) == 1
    dewi.say("Papua, NTB")
    assert dewi.step == "broadcast:provinces"
    assert "Papua: di luar wilayah kantor Anda. Wilayah kantor Anda: Nusa Tenggara Barat" \
        in dewi.text
    dewi.say("1")
    assert dewi.step == "broadcast:when"


def test_a_broadcast_to_a_program_lists_only_the_office_programs_and_the_domain_agrees(
        conversations):
    ntb_office(conversations.database)
    add_program(conversations, program("tenun-ntb", 20, title="Pelatihan Tenun NTB"), NTB)
    add_program(conversations, program("tei", 20, title="Trade Expo Indonesia"), "pusat")
    people(conversations.database, "Nusa Tenggara Barat")
    dewi = staff_of(conversations, "s-1", "broadcaster")
    for answer in ("/siaran", "Pengingat untuk peserta", "lewati", "pendaftar"):
        dewi.say(answer)
    assert dewi.step == "broadcast:program"
    assert [o.label for o in dewi.last.options if o.number == "1"] == ["Pelatihan Tenun NTB"]
    assert not any("Trade Expo" in o.label for o in dewi.last.options)
    # No other path gets round it: the domain narrows and refuses the same way.
    with session_scope(conversations.database) as session:
        user = user_at(session, "s-1")
        for outside in ({"provinces": ["Papua"]}, {"program": "tei", "program_mode": "signed"}):
            with pytest.raises(broadcasts.OutOfReach):
                broadcasts.queue(session, "Halo", outside, now=START, created_by=user)
        with pytest.raises(PermissionError):
            broadcasts.queue(session, "Halo", {}, now=START,
                             created_by=user_at(session, "1000", "telegram"))
    assert entries(conversations.database, None, "broadcast") == []


def test_broadcasts_queued_and_stopped_are_in_the_office_audit_log(conversations):
    ntb_office(conversations.database)
    people(conversations.database, "Nusa Tenggara Barat")
    dewi = staff_of(conversations, "s-1", "broadcaster")
    for answer in ("/siaran", "Pelatihan pewarna alam dibuka!", "lewati", "semua", "sekarang",
                   "kirim", "/siaran status", "1"):
        dewi.say(answer)
    assert "1 pesan tidak dikirim" in dewi.text
    stopped, queued = entries(conversations.database, NTB, "broadcast")
    assert (queued.action, queued.via, queued.actor) == ("broadcast.queued", "chat",
                                                         "Dewi Petugas")
    assert queued.after["recipients"] == 1
    assert queued.after["audience"] == {"provinces": ["Nusa Tenggara Barat"]}
    assert queued.after["text"] == "Pelatihan pewarna alam dibuka!"
    assert (stopped.action, stopped.before, stopped.after) == (
        "broadcast.stopped", {"status": "sending", "stopped": 0},
        {"status": "stopped", "stopped": 1})


# Curation


def waiting_product(database, owner_id: int, name: str) -> int:
    with session_scope(database) as session:
        made = curation.submit(session, session.get(User, owner_id), {
            "name": name, "category": "tenun", "materials": "benang katun", "size": "2 m",
            "price": 150_000, "capacity": 10, "description": "Ditenun tangan.",
            "photos": [{"path": "a.jpg"}], "packaging_photo": None}, START)
        assert made.id is not None
        return made.id


def status_of(database, product_id: int) -> str:
    with Session(database) as session:
        found = session.get(Product, product_id)
        assert found is not None
        return found.status


def test_a_provincial_curator_sees_takes_and_decides_only_the_office_provinces(
        conversations):
    ntb_office(conversations.database)
    mataram, surabaya = people(conversations.database, "Nusa Tenggara Barat", "Jawa Timur")
    songket = waiting_product(conversations.database, mataram, "Songket Sukarara")
    batik = waiting_product(conversations.database, surabaya, "Batik Madura")
    dewi = staff_of(conversations, "c-1", "curator")
    dewi.say("/kurasi")
    assert "Antrean kurasi: 1 produk menunggu" in dewi.text
    dewi.say("provinsi")
    assert [o.label for o in dewi.last.options if o.number == "1"] == ["Nusa Tenggara Barat"]
    dewi.say("Jatim")
    assert "Jawa Timur: di luar wilayah kantor Anda" in dewi.text
    dewi.say("NTB")
    assert "Songket Sukarara" in dewi.text
    dewi.say("terima")
    assert "Tercatat" in dewi.text and "tidak ada produk yang menunggu" in dewi.text
    assert status_of(conversations.database, batik) == ProductStatus.SUBMITTED
    # The domain holds it too: nothing of Jawa Timur is taken, or decided.
    with session_scope(conversations.database) as session:
        curator = user_at(session, "c-1")
        assert curation.waiting_for(session, curator, START) == 0
        assert curation.take_next(session, curator, START, province="Jawa Timur") is None
        assert curation.decide(session, batik, curator, ProductStatus.ACCEPTED, None, START,
                               "Asia/Jakarta") == (None, "out_of_reach")
    assert status_of(conversations.database, batik) == ProductStatus.SUBMITTED
    # A curator of the national office sees what is left: the batik.
    rina = staff_of(conversations, "c-2", "curator", office="pusat", name="Rina Kurator")
    rina.say("/kurasi")
    assert "1 produk menunggu" in rina.text
    [decided] = entries(conversations.database, NTB, "product")
    assert (decided.action, decided.object_id, decided.via) == ("product.decided",
                                                                str(songket), "chat")
    assert (decided.before, decided.after) == ({"status": "in_review"},
                                               {"status": "accepted"})


# Programs and the selection


def test_a_provincial_office_sees_and_selects_in_its_own_programs_only(conversations):
    ntb_office(conversations.database)
    two_sitis(conversations)  # the national office's selection, two applicants
    add_program(conversations, program("tenun-ntb", 20, kind="seleksi",
                                       title="Seleksi Tenun NTB"), NTB)
    dewi = staff_of(conversations, "s-1", "admin")
    dewi.say("/program")
    assert [o.label.split(" (")[0] for o in dewi.last.options if o.number.isdigit()
            and o.number != "0"] == ["Seleksi Tenun NTB"]
    dewi.say("kemasan")  # the other office's program, by a word of its id
    assert 'Tidak ada program yang cocok dengan "kemasan"' in dewi.text
    dewi.say("semua")
    dewi.say("1")
    assert dewi.step == "program_admin:action" and "Seleksi peserta" in dewi.options
    [first, _] = registrations(conversations, "kemasan")
    with session_scope(conversations.database) as session:
        admin = user_at(session, "s-1")
        assert selection.decide(session, first.id, admin, True, START, "Asia/Jakarta") == (
            None, "not_allowed")
        assert selection.undo(session, first.id, admin, START) == (None, "not_allowed")
    assert registrations(conversations, "kemasan")[0].status == SignUpStatus.CONFIRMED


def test_selection_decisions_and_their_undo_are_in_the_audit_log(conversations):
    two_sitis(conversations)
    dewi = selecting(conversations)
    dewi.say("lolos")
    dewi.say("ya")
    dewi.say("batalkan")
    assert "Keputusan dibatalkan" in dewi.text
    undone, decided = entries(conversations.database, "pusat", "registration")
    [first, _] = registrations(conversations, "kemasan")
    assert decided.object_id == undone.object_id == str(first.id)
    assert (decided.action, decided.before, decided.after) == (
        "selection.decided", {"status": "confirmed"}, {"status": "selected"})
    assert (undone.action, undone.before, undone.after) == (
        "selection.undone", {"status": "selected"}, {"status": "confirmed"})


# Viewers


def test_a_viewer_looks_at_programs_and_changes_nothing(conversations):
    two_sitis(conversations)
    vera = staff_of(conversations, "v-1", "viewer", office="pusat", name="Vera Peninjau")
    for command in ("/kurasi", "/siaran"):
        vera.say(command)
        assert "Peran Anda (peninjau) hanya untuk melihat" in vera.text
        assert vera.step == "menu:choose"
    vera.say("/program")
    assert vera.step == "program_admin:pick"
    vera.say(SELECTION["title"])
    assert vera.step == "program_admin:action" and "Terkonfirmasi" not in vera.options
    assert "Keputusan yang sudah dibuat" in vera.options
    assert "Seleksi peserta" not in vera.options
    assert not [o for o in vera.options if "Excel" in o or "CSV" in o]  # no personal data out
    vera.say("seleksi")  # the word of an option that is not there
    assert vera.step == "program_admin:action"
    [first, _] = registrations(conversations, "kemasan")
    with session_scope(conversations.database) as session:
        viewer = user_at(session, "v-1")
        assert selection.decide(session, first.id, viewer, True, START, "Asia/Jakarta") == (
            None, "not_allowed")
        assert curation.take_next(session, viewer, START) is None
        with pytest.raises(PermissionError):
            broadcasts.queue(session, "Halo", {}, now=START, created_by=viewer)
    assert registrations(conversations, "kemasan")[0].status == SignUpStatus.CONFIRMED
    assert entries(conversations.database, None, "registration") == []


def test_an_admin_made_a_viewer_mid_selection_records_nothing(conversations):
    two_sitis(conversations)
    dewi = selecting(conversations)
    dewi.say("lolos")
    assert dewi.step == "program_admin:confirm"
    with session_scope(conversations.database) as session:
        staff.take_role(session, "terminal", "s-1")
        staff.give_role(session, "terminal", "s-1", "viewer")
    dewi.say("ya")
    assert "Peran Anda (peninjau) hanya untuk melihat, jadi tidak ada yang diubah" in dewi.text
    assert "Terpilih" not in dewi.options and "Lolos" not in dewi.options
    assert registrations(conversations, "kemasan")[0].status == SignUpStatus.CONFIRMED


def test_the_staff_menu_of_a_viewer_offers_looking_and_the_console(conversations):
    with session_scope(conversations.database) as session:
        staff.give_role(session, "telegram", "77", "viewer")
    vera = Chat(conversations, address="77", channel="telegram")
    vera.say("halo")
    assert vera.step == "staff_menu:choose"
    assert "peninjau" in vera.text
    assert vera.options == ["Lihat program dan pendaftarnya (/program)",
                            "Tautan masuk ke konsol Kriya (/konsol)",
                            "Mendaftar di Kriya sebagai perajin atau petugas Lapas"]
    vera.say("2")
    assert "http://localhost:8000/console/login/" in vera.text
    assert vera.step == "staff_menu:choose"
    vera.say("1")
    assert vera.step == "program_admin:pick"


# The console link


def token_in(text: str, base: str) -> str:
    found = re.search(re.escape(base) + r"/console/login/([\w-]+)", text)
    assert found is not None, text
    return found.group(1)


def test_konsol_gives_staff_a_one_time_link_and_others_a_refusal(database, tmp_path):
    conversations = Conversations(database, FLOWS, Settings(
        media_dir=str(tmp_path / "media"), channel_titles=channels.titles(),
        public_url="https://kriya.example.id/"))
    with session_scope(database) as session:
        staff.give_role(session, "telegram", "42", "curator")
        staff.give_role(session, "whatsapp", "+6281311112222", "viewer",
                        phone="+6281311112222")
    dewi = Chat(conversations, address="42", channel="telegram")
    dewi.say("/konsol")
    for said in ("Tautan masuk Anda ke konsol Kriya", "satu kali, dalam 10 menit",
                 "Jangan bagikan"):
        assert said in dewi.text
    assert dewi.step == "staff_menu:choose"
    token = token_in(dewi.text, "https://kriya.example.id")
    with session_scope(database) as session:
        _, user = logins.redeem(session, token, dewi.now)
        assert (user.channel, user.address) == ("telegram", "42")
    with session_scope(database) as session, pytest.raises(logins.LoginRefused):
        logins.redeem(session, token, dewi.now)  # once only
    # On WhatsApp, the word alone, in the middle of a flow: the flow goes on after it.
    vera = Chat(conversations, address="+6281311112222", channel="whatsapp",
                phone="+6281311112222")
    vera.say("/program")
    vera.say("konsol")
    assert vera.step == "program_admin:pick"
    token_in(vera.text, "https://kriya.example.id")
    siti = Chat(conversations, address="a-1")
    siti.register_artisan()
    siti.say("/konsol")
    assert "/konsol hanya untuk petugas" in siti.text and siti.step == "menu:choose"
    assert "console/login" not in siti.text
