"""Words that work at every step: batal, menu, bantuan, bahasa, BERHENTI, MULAI."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import User
from tests.conftest import Chat


def user_of(conversations) -> User:
    with Session(conversations.database) as session:
        return session.exec(select(User)).one()


def test_help_at_a_step_explains_and_asks_the_same_question(chat: Chat, conversations):
    for answer in ("halo", "1", "1"):
        chat.say(answer)
    chat.say("bantuan")
    assert chat.step == "registration:name"
    assert "batal" in chat.text and "info" in chat.text and len(chat.text) <= 600
    siti = Chat(conversations, address="6281111111111")
    siti.register_artisan()
    siti.say("produk saya")
    siti.say("bantuan")
    assert siti.step == "my_products:pick"
    assert "BERHENTI" in siti.text and "0: Menu utama" in siti.text
    assert all(len(reply.text) <= 600 for reply in siti.replies)


def test_language_switches_and_the_question_is_asked_in_english(chat: Chat, conversations):
    for answer in ("halo", "1", "1", "Siti"):
        chat.say(answer)
    chat.say("bahasa")
    assert chat.step == "registration:business"
    assert "What is the name of your business?" in chat.text
    chat.say("Batik Siti")
    chat.say("bahasa")
    assert chat.step == "registration:province"
    assert "provinsi" in chat.text.lower()
    chat.say("language")
    for answer in ("jatim", "Surabaya", "4", "081234567890", "1"):
        chat.say(answer)
    assert user_of(conversations).language == "en"
    assert "Find programs" in chat.options


def test_menu_before_registration_asks_to_finish_first(chat: Chat):
    for answer in ("halo", "1", "1"):
        chat.say(answer)
    chat.say("menu")
    assert chat.step == "registration:name"


def test_menu_and_cancel_from_inside_a_flow(chat: Chat):
    chat.register_artisan()
    chat.say("cari program")
    chat.say("3")
    assert chat.step == "finder:keyword"
    chat.say("MENU")
    assert chat.step == "menu:choose"
    chat.say("cari program")
    chat.say("batal")
    assert chat.step == "menu:choose"


def test_stop_and_start_pushes_but_replies_still_come(chat: Chat, conversations):
    chat.register_artisan()
    chat.say("BERHENTI")
    assert user_of(conversations).opted_out is True
    assert chat.replies  # the user is still answered
    chat.say("cari program")
    assert chat.step == "finder:how"
    chat.say("MULAI")
    assert user_of(conversations).opted_out is False
    assert chat.step == "finder:how"  # the question stands


def test_start_command_resumes_where_the_user_was(chat: Chat):
    for answer in ("halo", "1", "1", "Siti"):
        chat.say(answer)
    chat.say(start=True)
    assert chat.step == "registration:business"


def test_unknown_command_is_explained_and_the_question_repeated(chat: Chat):
    for answer in ("halo", "1", "1"):
        chat.say(answer)
    chat.say("/hapus_semua")
    assert chat.step == "registration:name"
    assert "menu" in chat.text and "bantuan" in chat.text
