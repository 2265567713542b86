"""Whatever people type, nothing crashes and no earlier answer is lost."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from conversations.messages import Photo
from storage.models import Conversation
from tests.conftest import Chat


def answers_of(conversations) -> dict:
    with Session(conversations.database) as session:
        return session.exec(select(Conversation)).one().answers.get("answers", {})


@pytest.mark.parametrize("text", [
    "", "   ", "x" * 5000, "😀😀😀", "<b>", "*_[", "12345", "Robert'); DROP TABLE users;--",
    '"Siti"', "/unknown",
])
def test_a_bad_name_is_refused_kindly_and_nothing_is_lost(conversations, text):
    chat = Chat(conversations)
    for answer in ("halo", "1", "1"):
        chat.say(answer)
    before = answers_of(conversations)
    chat.say(text)
    assert chat.step == "registration:name"
    assert chat.last.text.strip()
    assert "Traceback" not in chat.text
    after = answers_of(conversations)
    assert {k: v for k, v in after.items() if k != "_tries"} == before
    chat.say("Siti Aminah")
    assert chat.step == "registration:business"


@pytest.mark.parametrize("business", ["<Batik & Co>", "*_[Batik]_*", "O'Neil's \"Craft\"",
                                      "Robert'); DROP TABLE users;--"])
def test_a_business_name_with_symbols_is_kept_exactly(conversations, business):
    chat = Chat(conversations)
    for answer in ("halo", "1", "1", "Siti", business, "ntb", "Mataram", "1", "081234567890"):
        chat.say(answer)
    assert chat.step == "registration:confirm"
    assert business in chat.text
    chat.say("1")
    chat.say("data saya")
    assert business in chat.text


def test_a_photo_where_text_is_asked(conversations):
    chat = Chat(conversations)
    for answer in ("halo", "1", "1"):
        chat.say(answer)
    chat.say(photos=(Photo(ref="file-1", mime="image/jpeg"),))
    assert chat.step == "registration:name"
    assert "foto" in chat.text.lower() or "photo" in chat.text.lower()


def test_a_stale_button_changes_nothing(conversations):
    chat = Chat(conversations)
    for answer in ("halo", "1", "1"):
        chat.say(answer)
    chat.say(choice="agree")  # the consent button, tapped again
    assert chat.step == "registration:name"
    answers = answers_of(conversations)
    assert "consent" not in answers or answers["consent"] == "agree"


def test_three_wrong_answers_point_to_help(conversations):
    chat = Chat(conversations)
    for answer in ("halo", "1", "1", "Siti", "Batik", "ntb", "Mataram"):
        chat.say(answer)
    for _ in range(3):
        chat.say("99")
    assert chat.step == "registration:categories"
    assert "bantuan" in chat.text
