"""Selecting participants in `/program`: each decision names who it is about and needs a yes;
the applicant hears of it ten minutes later, and until then "Batalkan keputusan" takes it
back without anyone being told."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from conversations import sending
from conversations.i18n import translator
from conversations.messages import Outbound
from storage.db import session_scope
from storage.models import OutboxMessage
from tests.conftest import Chat
from tests.test_finder import add_programs, program
from tests.test_signups import registrations, sign_up_for, staff

SELECTION = program("kemasan", 20, kind="seleksi", quota="2", title="Seleksi Desain Kemasan")


def applicant(conversations, address: str, business: str, province: str, city: str,
              name: str = "Siti") -> Chat:
    person = Chat(conversations, address=address)
    for answer in ("halo", "1", "1", name, business, province, city, "1"):
        person.say(answer)
    if person.step == "registration:phone":
        person.say("0812 3456 7890")
    person.say("1")
    assert person.step == "menu:choose", person.text
    return person


def two_sitis(conversations) -> tuple[Chat, Chat]:
    """Two applicants called Siti: the one from Palembang applied first."""
    add_programs(conversations, SELECTION)
    palembang = applicant(conversations, "a-1", "UD Karet Jaya", "sumsel", "Palembang")
    mataram = applicant(conversations, "a-2", "Tenun Ikat Sasak", "ntb", "Mataram")
    for person in (palembang, mataram):
        sign_up_for(person, "Seleksi Desain Kemasan")
    return palembang, mataram


def selecting(conversations, address: str = "s-1") -> Chat:
    """A staff member in Jawa Timur (WIB) at the first applicant of the selection."""
    dewi = staff(conversations, address)
    with session_scope(conversations.database) as session:
        from storage import users
        users.at(session, "terminal", address).province = "Jawa Timur"
    for answer in ("/program", "Seleksi Desain Kemasan", "seleksi peserta"):
        dewi.say(answer)
    assert dewi.step == "program_admin:decide", dewi.text
    return dewi


def delivered(conversations, at) -> list[tuple[str, str]]:
    """The selection news a dispatcher sends at `at`: (address, text)."""
    with session_scope(conversations.database) as session:
        taken = sending.claim(session, "terminal", at, 100, timedelta(minutes=1))
        return [(m.address, Outbound.from_payload(m.payload).text) for m in taken
                if m.kind == "selection"]


def selection_rows(conversations) -> list[OutboxMessage]:
    with Session(conversations.database) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "selection")
                                 .order_by(OutboxMessage.id)))


def test_a_decision_names_the_applicant_needs_the_yes_and_is_told_ten_minutes_later(
        conversations):
    palembang, mataram = two_sitis(conversations)
    dewi = selecting(conversations)
    [first, _] = registrations(conversations, "kemasan")
    applied = translator("id", "Asia/Jakarta").datetime(first.signed_up_at)
    for shown in ("Siti, UD Karet Jaya", "Palembang, Sumatera Selatan", applied):
        assert shown in dewi.text
    assert applied.endswith("WIB")  # in the staff member's zone
    dewi.say("lolos")
    assert dewi.step == "program_admin:confirm"
    assert dewi.text == ("Tandai Siti (UD Karet Jaya, Palembang) lolos? "
                         "Balas 1 untuk ya, 2 untuk tidak.")
    assert [r.status for r in registrations(conversations, "kemasan")] == ["confirmed"] * 2
    dewi.say("2")  # no: nothing happens, and the same Siti is asked about again
    assert "Tidak ada yang dicatat" in dewi.text and "UD Karet Jaya" in dewi.text
    assert selection_rows(conversations) == []
    dewi.say("lolos")
    dewi.say("1")
    decided_at = dewi.now
    assert "Tercatat: Siti (UD Karet Jaya, Palembang), lolos" in dewi.text
    assert "Siti, Tenun Ikat Sasak" in dewi.text  # the other Siti is next
    assert "Batalkan keputusan" in dewi.options
    assert [r.status for r in registrations(conversations, "kemasan")] == [
        "selected", "confirmed"]
    # Not a word to her for ten minutes; even her own list still says she waits.
    palembang.now = decided_at + timedelta(minutes=9)
    palembang.say("pendaftaran saya")
    assert "Seleksi Desain Kemasan (mendaftar, menunggu seleksi)" in palembang.options
    assert delivered(conversations, decided_at + timedelta(minutes=9, seconds=59)) == []
    [(to, news)] = delivered(conversations, decided_at + timedelta(minutes=10))
    assert to == "a-1"
    assert news.startswith("Selamat! Anda dinyatakan lolos Seleksi Desain Kemasan.")
    assert "seleksi Seleksi" not in news
    palembang.say("menu")
    palembang.say("pendaftaran saya")
    assert "Seleksi Desain Kemasan (lolos)" in palembang.options
    # Ten minutes on, the decision is final: nothing is left to undo.
    dewi.now = decided_at + timedelta(minutes=10)
    dewi.say("lewati")
    assert "Batalkan keputusan" not in dewi.options


def test_a_decision_undone_within_ten_minutes_tells_nobody(conversations):
    palembang, _ = two_sitis(conversations)
    dewi = selecting(conversations)
    dewi.say("tidak lolos")
    dewi.say("ya")
    decided_at = dewi.now
    assert [r.status for r in registrations(conversations, "kemasan")][0] == "not_selected"
    dewi.wait(minutes=5)
    dewi.say("batalkan keputusan")
    assert ("Keputusan dibatalkan: Siti (UD Karet Jaya, Palembang) kembali menunggu seleksi"
            in dewi.text)
    assert "UD Karet Jaya" in dewi.last.text  # first in line again
    undone = registrations(conversations, "kemasan")[0]
    assert (undone.status, undone.decided_by, undone.decided_at) == ("confirmed", None, None)
    assert [m.status for m in selection_rows(conversations)] == ["withdrawn"]
    assert delivered(conversations, decided_at + timedelta(hours=1)) == []
    # Decided again, she is told of the new decision only, once.
    dewi.say("lolos")
    dewi.say("ya")
    later = delivered(conversations, dewi.now + timedelta(minutes=10))
    assert [(to, news.split(".")[0]) for to, news in later] == [
        ("a-1", "Selamat! Anda dinyatakan lolos Seleksi Desain Kemasan")]
    palembang.now = dewi.now + timedelta(minutes=10)
    palembang.say("pendaftaran saya")
    assert "Seleksi Desain Kemasan (lolos)" in palembang.options


def test_a_decided_applicants_entry_undoes_it_until_it_is_final(conversations):
    two_sitis(conversations)
    dewi = selecting(conversations)
    for answer in ("lolos", "ya", "tidak lolos", "ya", "selesai menyeleksi", "keputusan"):
        dewi.say(answer)
    assert dewi.step == "program_admin:decisions"
    assert dewi.options[:2] == ["Siti (Tenun Ikat Sasak, Mataram): tidak lolos",
                                "Siti (UD Karet Jaya, Palembang): lolos"]
    dewi.say("2")
    assert "Pendaftar diberi tahu pukul" in dewi.text and "WIB" in dewi.text
    assert "Batalkan keputusan" in dewi.options
    dewi.say("batalkan")
    assert "Keputusan dibatalkan: Siti (UD Karet Jaya, Palembang)" in dewi.text
    assert dewi.step == "program_admin:decide" and "UD Karet Jaya" in dewi.last.text
    assert [r.status for r in registrations(conversations, "kemasan")] == [
        "confirmed", "not_selected"]
    # The other decision, once ten minutes have passed, is final.
    dewi.wait(minutes=10)
    for answer in ("selesai menyeleksi", "keputusan", "1"):
        dewi.say(answer)
    assert "Pendaftar sudah diberi tahu; keputusan ini final." in dewi.text
    assert "Batalkan keputusan" not in dewi.options
    dewi.say("batalkan")
    assert dewi.step == "program_admin:entry"
    assert [r.status for r in registrations(conversations, "kemasan")][1] == "not_selected"


def test_only_who_decided_may_undo_and_the_quota_still_holds(conversations):
    add_programs(conversations, program("solo", 20, kind="seleksi", quota="1",
                                        title="Seleksi Satu Tempat"))
    for n, city in enumerate(("Palembang", "Mataram")):
        sign_up_for(applicant(conversations, f"a-{n}", "Usaha", "ntb", city), "Seleksi Satu")
    dewi = staff(conversations, "s-1")
    for answer in ("/program", "Seleksi Satu", "seleksi", "lolos", "ya", "lolos", "ya"):
        dewi.say(answer)
    assert "Kuota 1 peserta sudah penuh" in dewi.text
    rina = staff(conversations, "s-2", role="curator")
    for answer in ("/program", "Seleksi Satu", "keputusan", "1"):
        rina.say(answer)
    assert "Pendaftar diberi tahu pukul" in rina.text  # not hers to undo
    assert "Batalkan keputusan" not in rina.options
    assert [r.status for r in registrations(conversations, "solo")] == [
        "selected", "confirmed"]


def test_an_applicant_who_cancels_before_the_news_is_not_sent_it(conversations):
    palembang, _ = two_sitis(conversations)
    dewi = selecting(conversations)
    dewi.say("lolos")
    dewi.say("ya")
    palembang.now = dewi.now + timedelta(minutes=2)
    for answer in ("pendaftaran saya", "Seleksi Desain Kemasan", "batalkan", "ya"):
        palembang.say(answer)
    assert [r.status for r in registrations(conversations, "kemasan")][0] == "cancelled"
    assert delivered(conversations, dewi.now + timedelta(minutes=10)) == []
    assert [m.status for m in selection_rows(conversations)] == ["withdrawn"]


def test_another_programs_screen_offers_no_undo_of_this_decision(conversations):
    palembang, _ = two_sitis(conversations)
    add_programs(conversations, program("mentor", 20, kind="pendampingan",
                                        title="Pendampingan Ekspor"))
    sign_up_for(palembang, "Pendampingan Ekspor")
    dewi = selecting(conversations)
    for answer in ("lolos", "ya"):
        dewi.say(answer)
    assert "Batalkan keputusan" in dewi.options
    for answer in ("selesai menyeleksi", "program lain", "Pendampingan Ekspor",
                   "seleksi peserta"):
        dewi.say(answer)
    assert "UD Karet Jaya" in dewi.text and "Batalkan keputusan" not in dewi.options
