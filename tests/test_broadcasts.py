"""Broadcasts by staff: the audience, a preview with the count, now or later, status and
stopping; from the chat (/siaran) and from the command line."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlmodel import Session, select

from conversations import broadcasts
from conversations.messages import Outbound
from conversations.quiet_hours import QuietHours
from storage import users
from storage.db import session_scope
from storage.models import Broadcast, OutboxMessage, User
from tests.conftest import START, Chat
from tests.test_cli import kriya, no_traceback
from tests.test_reminders import people


def messages(database, broadcast_id: int) -> list[OutboxMessage]:
    with Session(database) as session:
        return list(session.exec(select(OutboxMessage)
                                 .where(OutboxMessage.topic == f"broadcast:{broadcast_id}")
                                 .order_by(OutboxMessage.id)))


def broadcaster(conversations, address: str = "s-1") -> Chat:
    staff = Chat(conversations, address=address)
    staff.register_artisan(name="Dewi Penyiar", province="jatim")
    with session_scope(conversations.database) as session:
        users.at(session, "terminal", address).staff_roles = ["broadcaster"]
    return staff


def test_a_broadcaster_previews_and_sends_to_provinces(conversations):
    people(conversations.database, "Nusa Tenggara Barat", "Jawa Timur", "Papua",
           "Nusa Tenggara Barat")
    dewi = broadcaster(conversations)
    Chat(conversations, address="x").say("halo")  # not registered: never a recipient
    dewi.say("/siaran")
    assert dewi.step == "broadcast:text"
    dewi.say("Pendaftaran JakCraft 2027 dibuka! Cek menu Cari program.")
    dewi.say("lewati")
    dewi.say("provinsi")
    dewi.say("NTB, Papua")
    dewi.say("sekarang")
    assert dewi.step == "broadcast:confirm"
    assert "3 orang" in dewi.text and "Pendaftaran JakCraft 2027 dibuka!" in dewi.text
    dewi.say("kirim")
    assert "untuk 3 penerima" in dewi.text
    with Session(conversations.database) as session:
        [made] = session.exec(select(Broadcast)).all()
    sent = messages(conversations.database, made.id)
    assert len(sent) == 3 and {m.priority for m in sent} == {3}
    assert Outbound.from_payload(sent[0].payload).text.startswith("Pendaftaran JakCraft")
    # Status, and stopping what has not left yet.
    dewi.say("/siaran status")
    assert dewi.step == "broadcast:status"
    assert "menunggu 3" in dewi.text
    dewi.say("1")
    assert "3 pesan tidak dikirim" in dewi.text
    with Session(conversations.database) as session:
        assert broadcasts.counts(session, made.id)["stopped"] == 3


def test_an_ntb_broadcaster_schedules_in_wita_and_the_preview_says_who_and_how_many(
        conversations):
    people(conversations.database, "Nusa Tenggara Barat", "Jawa Timur", "Papua",
           "Nusa Tenggara Barat")
    dewi = broadcaster(conversations)
    with session_scope(conversations.database) as session:
        users.at(session, "terminal", "s-1").province = "Nusa Tenggara Barat"
    for answer in ("/siaran", "Pelatihan pewarna alam dibuka!", "lewati", "provinsi",
                   "NTB, Papua", "nanti"):
        dewi.say(answer)
    assert dewi.step == "broadcast:at"  # the province is known: not asked
    assert "WITA" in dewi.text and "waktu Anda" not in dewi.text
    dewi.say("jam sembilan")
    assert "Contoh: 09.00" in dewi.text and "WITA" in dewi.text
    dewi.say("09.00")  # 10.00 WITA now: tomorrow's 09.00
    assert dewi.step == "broadcast:confirm"
    preview, question = dewi.replies
    assert preview.text == "Pelatihan pewarna alam dibuka!"
    # Three, and Dewi, an artisan of NTB herself.
    for shown in ("Penerima: provinsi Nusa Tenggara Barat, Papua", "Jumlah penerima: 4 orang",
                  "Waktu kirim: Selasa, 2 Maret 2027 pukul 09.00 WITA"):
        assert shown in question.text
    assert len(question.text) <= 600
    dewi.say("kirim")
    assert "Selasa, 2 Maret 2027 pukul 09.00 WITA" in dewi.text
    with Session(conversations.database) as session:
        [made] = session.exec(select(Broadcast)).all()
    assert made.send_at == datetime(2027, 3, 2, 1, 0, tzinfo=UTC)
    assert {m.not_before for m in messages(conversations.database, made.id)} == {made.send_at}


def test_a_broadcaster_without_a_province_is_asked_it_once(conversations, database_url):
    people(conversations.database, "Papua", "Jawa Timur")
    added = kriya(database_url, "staff", "add", "--telegram", "77", "--role", "broadcaster")
    assert added.returncode == 0, added.stderr
    dewi = Chat(conversations, address="77", channel="telegram")
    for answer in ("/siaran", "Siaran pertama untuk Papua", "lewati", "provinsi", "papua",
                   "nanti"):
        dewi.say(answer)
    assert dewi.step == "broadcast:where"
    assert dewi.text == "Anda berada di provinsi mana? Waktu siaran memakai zona waktunya."
    dewi.say("Papua")
    assert "dalam WIT?" in dewi.text
    dewi.say("5/3 09.00")
    assert "Waktu kirim: Jumat, 5 Maret 2027 pukul 09.00 WIT" in dewi.text
    assert "Jumlah penerima: 1 orang" in dewi.text
    dewi.say("kirim")
    with Session(conversations.database) as session:
        assert users.at(session, "telegram", "77").province == "Papua"
        [made] = session.exec(select(Broadcast)).all()
    assert made.send_at == datetime(2027, 3, 5, 0, 0, tzinfo=UTC)
    # The next broadcast asks no more: the time is read in WIT at once.
    for answer in ("/siaran", "Siaran kedua untuk semua", "lewati", "semua", "nanti"):
        dewi.say(answer)
    assert dewi.step == "broadcast:at" and "WIT" in dewi.text


def test_the_preview_names_crafts_and_roles(conversations):
    people(conversations.database, "Jawa Timur", "Papua")
    dewi = broadcaster(conversations)
    for answer in ("/siaran", "Kurasi batik dibuka", "lewati", "jenis kerajinan", "tenun, batik",
                   "sekarang"):
        dewi.say(answer)
    assert "Penerima: jenis kerajinan Tenun, Batik" in dewi.text
    assert "Waktu kirim: sekarang" in dewi.text
    assert "Jumlah penerima: 3 orang" in dewi.text  # two people, and Dewi, who makes tenun
    dewi.say("#")
    dewi.say("#")
    dewi.say("#")
    dewi.say("peran")
    dewi.say("petugas lapas")
    dewi.say("sekarang")
    assert "Penerima: Petugas Lapas" in dewi.text and "Jumlah penerima: 0 orang" in dewi.text


def test_only_broadcasters_may_use_siaran(conversations):
    siti = Chat(conversations, address="a-1")
    siti.register_artisan()
    siti.say("/siaran")
    assert "hanya untuk petugas siaran" in siti.text and siti.step == "menu:choose"


def test_a_night_broadcast_waits_for_seven_in_each_zone(database):
    people(database, "Jawa Timur", "Papua")
    night = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)  # 21.00 WIB, 23.00 WIT
    with session_scope(database) as session:
        made = broadcasts.queue(session, "Halo semua", {}, now=night)
    wib, wit = messages(database, made.id)
    assert wib.not_before == datetime(2027, 3, 2, 0, 0, tzinfo=UTC)
    assert wit.not_before == datetime(2027, 3, 1, 22, 0, tzinfo=UTC)


def test_an_office_sets_its_own_quiet_hours_or_none(database, database_url):
    people(database, "Jawa Timur")
    evening = datetime(2027, 3, 1, 13, 0, tzinfo=UTC)  # 20.00 WIB
    with session_scope(database) as session:
        early = broadcasts.queue(session, "Halo", {}, now=evening,
                                 quiet=QuietHours.parse("19:30-08:00"))
        anytime = broadcasts.queue(session, "Penting", {}, now=evening,
                                   quiet=QuietHours.parse("off"))
    [held] = messages(database, early.id)
    assert held.not_before == datetime(2027, 3, 2, 1, 0, tzinfo=UTC)  # 08.00 WIB
    [now] = messages(database, anytime.id)
    assert now.not_before is None
    # A setting that is not a span of hours is refused in one line, before anything runs.
    for wrong in ("late", "21:00-21:00", "25:00-07:00"):
        bad = kriya(database_url, "broadcast", "send", "--text", "x", env={
            "KRIYA_QUIET_HOURS": wrong})
        no_traceback(bad)
        assert bad.returncode == 1 and "KRIYA_QUIET_HOURS" in bad.stderr, bad.stderr
    # Offices write hours as they speak them; a zone in them is not an office's night.
    assert QuietHours.parse("7.30-21:00") == QuietHours(time(7, 30), time(21, 0))
    with pytest.raises(ValueError):
        QuietHours.parse("21:00+07:00-07:00")
    bad = kriya(database_url, "broadcast", "send", "--text", "x", env={"TWILIO_RATE": "0"})
    no_traceback(bad)
    assert bad.stderr == "kriya: TWILIO_RATE='0': Input should be greater than 0\n"


def test_broadcast_from_the_command_line(database, database_url):
    people(database, "Jawa Timur", "Nusa Tenggara Barat", "Jawa Timur")
    with session_scope(database) as session:
        session.add(User(channel="telegram", address="9", role="artisan", province="Jawa Timur",
                         categories=["tenun"], registered_at=START, opted_out=True))
    result = kriya(database_url, "broadcast", "send", "--text", "Pameran di Surabaya",
                   "--province", "jatim", "--category", "tenun")
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert "2 recipients" in result.stdout
    broadcast_id = result.stdout.split()[1].rstrip(":")
    status = kriya(database_url, "broadcast", "status", broadcast_id)
    assert "pending\t2" in status.stdout and "sent\t0" in status.stdout
    bad = kriya(database_url, "broadcast", "send", "--text", "x", "--province", "atlantis")
    assert bad.returncode == 2 and "unknown province" in bad.stderr
    no_traceback(bad)


def test_users_import_merges_by_phone_and_invites_those_without_consent(database,
                                                                       database_url, tmp_path):
    import openpyxl

    with session_scope(database) as session:
        session.add(User(channel="whatsapp", address="+6281311112222", phone="+6281311112222",
                         role="artisan", name="Siti Aminah", province="Nusa Tenggara Barat",
                         registered_at=START, consent_at=START))
    book = openpyxl.Workbook()
    book.active.append(["name", "business", "province", "city", "phone", "categories",
                        "consent"])
    book.active.append(["Siti A.", "Tenun Sasak", "NTB", "Mataram", "0813-1111-2222",
                        "tenun", None])
    book.active.append(["Made Wirawan", "Ukir Bali", "Bali", "Gianyar", "0812 9999 0000",
                        "kayu", "2026-10-01"])
    book.active.append(["Rina Putri", "", "Jatim", "Surabaya", "081277778888", "batik", None])
    good = tmp_path / "peserta.xlsx"
    book.save(good)
    result = kriya(database_url, "users", "import", str(good))
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert "1 added" not in result.stdout and "2 added, 1 merged" in result.stdout
    with Session(database) as session:
        users = {u.phone: u for u in session.exec(select(User))}
        invitations = session.exec(select(OutboxMessage)
                                   .where(OutboxMessage.kind == "invitation")).all()
    assert users["+6281311112222"].name == "Siti Aminah"  # her own answer stays
    assert users["+6281311112222"].business_name == "Tenun Sasak"  # a gap filled
    assert users["+6281299990000"].registered_at is not None  # consent given to the office
    assert [i.address for i in invitations] == ["+6281277778888"]
    # Again: nobody is invited twice.
    assert "0 invited" in kriya(database_url, "users", "import", str(good)).stdout
    # A file with a bad row imports nothing, and says which row.
    bad = tmp_path / "bad.csv"
    bad.write_text("name,province,phone\nAni,Jatim,0812 1111 3333\nBudi,Atlantis,12\n")
    result = kriya(database_url, "users", "import", str(bad))
    no_traceback(result)
    assert result.returncode == 2 and "row 3" in result.stderr and "Atlantis" in result.stderr
    with Session(database) as session:
        assert session.exec(select(User).where(User.name == "Ani")).first() is None
