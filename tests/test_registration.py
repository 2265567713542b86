"""Registering, as an artisan and as a Lapas officer, the way people really answer."""

from __future__ import annotations

from sqlmodel import Session, select

from conversations import lapas
from storage.db import session_scope
from storage.models import Conversation, OutboxMessage, User
from tests.conftest import Chat


def users(conversations) -> list[User]:
    with Session(conversations.database) as session:
        return list(session.exec(select(User)))


def conversation_rows(conversations) -> list[Conversation]:
    with Session(conversations.database) as session:
        return list(session.exec(select(Conversation)))


def test_artisan_registers_from_first_message_to_main_menu(chat: Chat, conversations):
    chat.say("Halo")
    assert chat.step == "registration:consent"
    assert "UU" in chat.text or "27/2022" in chat.text
    assert users(conversations) == []  # nothing about the person before they agree

    chat.say("1")
    assert chat.step == "registration:role"
    chat.say("perajin")
    assert chat.step == "registration:name"
    chat.say("Siti Nur'aini")
    chat.say("Tenun Ikat Sasak")
    assert chat.step == "registration:province"
    chat.say("nusa tenggara barat")
    assert chat.step == "registration:city"
    chat.say("Kab. Lombok Tengah")
    chat.say("tenun dan batik")
    assert chat.step == "registration:phone"
    chat.say("0812-3456-7890")
    assert chat.step == "registration:confirm"
    assert "Siti Nur'aini" in chat.text and "0812-3456-7890" in chat.text
    assert "Nusa Tenggara Barat" in chat.text
    assert users(conversations) == []

    chat.say("ya")
    assert chat.step == "menu:choose"
    [user] = users(conversations)
    assert user.role == "artisan"
    assert user.name == "Siti Nur'aini"
    assert user.business_name == "Tenun Ikat Sasak"
    assert user.province == "Nusa Tenggara Barat"
    assert user.city == "Kab. Lombok Tengah"
    assert user.categories == ["tenun", "batik"]
    assert user.phone == "+6281234567890"
    assert user.language == "id"
    assert user.consent_at is not None and user.consent_version
    assert user.registered_at is not None
    assert "Cari program" in chat.options


def test_declining_consent_keeps_nothing(chat: Chat, conversations):
    chat.say("Halo")
    chat.say("tidak setuju")
    assert chat.step is None
    assert users(conversations) == []
    assert conversation_rows(conversations) == []
    chat.say("halo lagi")
    assert chat.step == "registration:consent"


def test_each_wrong_answer_is_reasked_and_earlier_answers_stay(chat: Chat, conversations):
    chat.say("halo")
    chat.say("7")  # there are two options
    assert chat.step == "registration:consent"
    assert "1" in chat.text and "2" in chat.text
    chat.say("1")
    chat.say("1")
    chat.say("12345")
    assert chat.step == "registration:name"
    assert "angka" in chat.text.lower() or "digit" in chat.text.lower()
    chat.say("Siti")
    chat.say("!!")
    assert chat.step == "registration:business"
    chat.say("Batik Siti")
    chat.say("Atlantis")
    assert chat.step == "registration:province"
    chat.say("sulawesi")
    assert chat.step == "registration:province"
    assert "Sulawesi Selatan" in chat.text  # the candidates are named
    chat.say("Sulsel")
    chat.say("<>")
    assert chat.step == "registration:city"
    chat.say("Makassar")
    chat.say("99")
    assert chat.step == "registration:categories"
    chat.say("4")
    chat.say("12345")
    assert chat.step == "registration:phone"
    assert "0812" in chat.text  # refused with an example
    chat.say("+62 811 4444 5555")
    assert chat.step == "registration:confirm"
    for expected in ("Siti", "Batik Siti", "Sulawesi Selatan", "Makassar", "Batik",
                     "0811-4444-5555"):
        assert expected in chat.text


def test_confirm_lets_one_field_be_corrected(chat: Chat, conversations):
    for answer in ("halo", "1", "1", "Siti", "Batik Siti", "jatim", "Kota Malang", "4",
                   "081234567890"):
        chat.say(answer)
    assert chat.step == "registration:confirm"
    chat.say("2")  # change something
    assert chat.step == "registration:field"
    chat.say("provinsi")
    assert chat.step == "registration:province"
    chat.say("Jawa Tengah")
    assert chat.step == "registration:confirm"
    assert "Jawa Tengah" in chat.text and "Kota Malang" in chat.text
    chat.say("1")
    [user] = users(conversations)
    assert user.province == "Jawa Tengah"
    assert user.city == "Kota Malang"


def test_cancel_midway_forgets_the_registration(chat: Chat, conversations):
    for answer in ("halo", "1", "1", "Siti", "Batik Siti"):
        chat.say(answer)
    chat.say("batal")
    assert "Buang isian ini?" in chat.text and chat.step == "registration:province"
    chat.say("ya")
    assert chat.step is None
    assert users(conversations) == []
    assert conversation_rows(conversations) == []
    chat.say("halo")
    assert chat.step == "registration:consent"


def test_phone_from_the_channel_is_not_asked_again(conversations):
    chat = Chat(conversations, address="+6281299998888", channel="whatsapp", phone="+6281299998888")
    for answer in ("halo", "1", "1", "Siti", "Batik Siti", "ntb", "Mataram", "3"):
        chat.say(answer)
    assert chat.step == "registration:confirm"
    assert "0812-9999-8888" in chat.text
    chat.say("1")
    assert users(conversations)[0].phone == "+6281299998888"


def make_lapas(conversations, name="Lapas Kelas IIA Mataram", province="Nusa Tenggara Barat"):
    with session_scope(conversations.database) as session:
        return lapas.add(session, name, province)


def test_lapas_officer_registers_with_the_invite_code(chat: Chat, conversations):
    lapas = make_lapas(conversations)
    chat.say("halo")
    chat.say("1")
    chat.say("petugas lapas")
    assert chat.step == "registration:invite_code"
    chat.say(lapas.invite_code.lower().replace("-", " "))
    assert chat.step == "registration:name"
    chat.say("Budi Santoso")
    assert chat.step == "registration:phone"
    chat.say("0813 1111 2222")
    assert chat.step == "registration:confirm"
    assert "Lapas Kelas IIA Mataram" in chat.text
    chat.say("1")
    [user] = users(conversations)
    assert user.role == "lapas"
    assert user.lapas_id == lapas.id
    assert user.province == "Nusa Tenggara Barat"
    assert user.business_name is None


def test_three_wrong_invite_codes_send_the_officer_to_staff(chat: Chat, conversations):
    make_lapas(conversations)
    for answer in ("halo", "1", "2"):
        chat.say(answer)
    for wrong in ("AAAA-BBBB", "12345678"):
        chat.say(wrong)
        assert chat.step == "registration:invite_code"
    chat.say("ZZZZ-ZZZZ")
    assert chat.step is None
    assert "Kanwil" in chat.text or "petugas" in chat.text.lower()
    assert users(conversations) == []


def test_coming_back_after_hours_asks_the_same_question_again(chat: Chat, conversations):
    for answer in ("halo", "1", "1", "Siti"):
        chat.say(answer)
    assert chat.step == "registration:business"
    chat.wait(hours=5)
    chat.say("halo")  # not taken as the business name
    assert chat.step == "registration:business"
    chat.say("Batik Siti")
    assert chat.step == "registration:province"


def test_a_flow_left_for_a_week_is_dropped_quietly(chat: Chat, conversations):
    for answer in ("halo", "1", "1", "Siti"):
        chat.say(answer)
    chat.wait(days=8)
    chat.say("halo")
    assert chat.step == "registration:consent"


def test_a_retried_message_is_handled_once(chat: Chat, conversations):
    chat.say("halo", message_id="wamid-1")
    chat.say("1", message_id="wamid-2")
    assert chat.step == "registration:role"
    assert chat.say("1", message_id="wamid-2") == []  # the platform retried
    chat.say("1", message_id="wamid-3")
    assert chat.step == "registration:name"
    with Session(conversations.database) as session:
        replies = session.exec(select(OutboxMessage)).all()
    assert len(replies) == 3
    assert all(r.kind == "reply" and r.status == "pending" for r in replies)
