"""My data: what is kept can be seen, changed and deleted (UU PDP)."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Conversation, OutboxMessage, User
from tests.conftest import Chat


def only_user(conversations) -> User:
    with Session(conversations.database) as session:
        [user] = session.exec(select(User)).all()
        return user


def test_a_user_sees_everything_kept_about_them(chat: Chat, conversations):
    chat.register_artisan()
    chat.say("data saya")
    assert chat.step == "profile:view"
    for shown in ("Siti Aminah", "Tenun Ikat Sasak", "Nusa Tenggara Barat", "Kota Mataram",
                  "Tenun", "Batik", "0812-3456-7890", "2027"):
        assert shown in chat.text


def test_a_user_changes_one_field(chat: Chat, conversations):
    chat.register_artisan()
    chat.say("5")  # My data, in the main menu
    chat.say("1")  # change my data
    assert chat.step == "profile:field"
    chat.say("3")  # province
    assert chat.step == "profile:province"
    chat.say("Papua")
    assert chat.step == "profile:view"
    assert "Papua" in chat.text
    assert only_user(conversations).province == "Papua"
    assert only_user(conversations).name == "Siti Aminah"


def test_a_user_deletes_everything_after_confirming(chat: Chat, conversations):
    chat.register_artisan()
    chat.say("data saya")
    chat.say("hapus")
    assert chat.step == "profile:delete"
    chat.say("2")  # no, keep it
    assert chat.step == "profile:view"
    chat.say("hapus")
    chat.say("1")
    assert chat.step is None
    with Session(conversations.database) as session:
        assert session.exec(select(User)).all() == []
        assert session.exec(select(Conversation)).all() == []
        # only the goodbye is left to deliver, tied to no stored person
        [goodbye] = session.exec(select(OutboxMessage)).all()
        assert goodbye.user_id is None
    chat.say("halo")
    assert chat.step == "registration:consent"
