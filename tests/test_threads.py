"""Tanya petugas in the chat: a registered person writes to the office that reaches their
province (the national office when none does); what they send goes to the thread until
they type menu or staff close it; staff answers reach them on their channel, on WhatsApp
as the reply template once its 24-hour window has closed."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from PIL import Image
from sqlmodel import select

from bot.channels.whatsapp.sending import Sender
from conversations import offices, reach, staff, threads, users
from conversations.messages import Photo
from conversations.photos import store_photo
from conversations.sending import in_reply_window
from storage.conversations import last_inbound
from storage.db import session_scope
from storage.media import MediaStore
from storage.models import OutboxMessage, User
from storage.thread_models import Thread, ThreadMessage
from tests.conftest import Chat

NTB = "Nusa Tenggara Barat"


def ntb_office(conversations) -> None:
    with session_scope(conversations.database) as session:
        offices.add(session, "Disperindag NTB", "disperindag-ntb", ["NTB"])


def officer(conversations, office_id: str = "disperindag-ntb", role: str = "admin") -> int:
    with session_scope(conversations.database) as session:
        user = staff.give_role(session, "telegram", f"9{role}{office_id}", role,
                               office_id=office_id)
        user.name = "Ayu Lestari"
        assert user.id is not None
        return user.id


def ask(chat: Chat) -> None:
    chat.say("tanya petugas")
    assert chat.step == "question:write", chat.text


def only_thread(conversations) -> tuple[Thread, list[ThreadMessage]]:
    with session_scope(conversations.database) as session:
        thread = session.exec(select(Thread)).one()
        found = list(session.exec(select(ThreadMessage).order_by(ThreadMessage.id)))
        session.expunge_all()
        return thread, found


def answer(conversations, staff_id: int, thread_id: int, text: str, now) -> None:
    with session_scope(conversations.database) as session:
        user = session.get(User, staff_id)
        staff_reach = reach.of(session, user)
        assert user is not None and staff_reach is not None
        threads.answer(session, user, staff_reach, thread_id, text, now, "Asia/Jakarta")


def close(conversations, staff_id: int, thread_id: int, now) -> None:
    with session_scope(conversations.database) as session:
        user = session.get(User, staff_id)
        staff_reach = reach.of(session, user)
        assert user is not None and staff_reach is not None
        threads.close(session, user, staff_reach, thread_id, now, "Asia/Jakarta")


def outbox(conversations, prefix: str = "thread:") -> list[OutboxMessage]:
    with session_scope(conversations.database) as session:
        found = [m for m in session.exec(select(OutboxMessage).order_by(OutboxMessage.id))
                 if m.idempotency_key.startswith(prefix)]
        session.expunge_all()
        return found


def test_a_question_goes_to_the_office_of_the_province_and_menu_leaves(chat, conversations):
    ntb_office(conversations)
    chat.register_artisan(province="ntb")
    ask(chat)
    assert "Disperindag NTB" in chat.text and "menu" in chat.text
    chat.say("Kapan pameran di Mataram dibuka?")
    assert "Terkirim ke Disperindag NTB" in chat.text and chat.step == "question:write"
    chat.say("2")  # a number is words to a person here, not a menu choice
    chat.say("menu")
    assert chat.step == "menu:choose", chat.text
    chat.say("1")  # at the menu again: the finder, not the thread
    thread, found = only_thread(conversations)
    assert thread.office_id == "disperindag-ntb" and thread.status == "open"
    assert [m.text for m in found] == ["Kapan pameran di Mataram dibuka?", "2"]
    assert thread.waiting_since is not None
    chat.say("0")
    ask(chat)  # the open thread again, not a new one
    assert "masih terbuka" in chat.text


def test_without_an_office_for_the_province_the_national_office_answers(chat, conversations):
    ntb_office(conversations)
    chat.register_artisan(province="sumsel")
    ask(chat)
    assert "Kantor pusat" in chat.text
    chat.say("Apakah ada pelatihan karet?")
    thread, _ = only_thread(conversations)
    assert thread.office_id == offices.NATIONAL


def test_staff_answer_and_close_reach_the_person(chat, conversations):
    ntb_office(conversations)
    admin = officer(conversations)
    chat.register_artisan(province="ntb")
    ask(chat)
    chat.say("Berapa biaya stan?")
    thread, _ = only_thread(conversations)
    answer(conversations, admin, thread.id, "Gratis untuk perajin NTB.", chat.now)
    [told] = outbox(conversations)
    assert "Disperindag NTB" in told.payload["text"] and "Gratis" in told.payload["text"]
    assert "tulis saja di sini" in told.payload["text"] and told.kind == "reply"
    thread, found = only_thread(conversations)
    assert thread.waiting_since is None and thread.assigned_to == admin
    assert found[-1].from_staff and found[-1].staff_id == admin
    close(conversations, admin, thread.id, chat.now)
    assert "menutup percakapan" in outbox(conversations)[-1].payload["text"]
    chat.say("Terima kasih")  # too late: told, and back at the menu
    assert "ditutup" in chat.text and chat.step == "menu:choose"
    assert [m.text for m in only_thread(conversations)[1]][-1] == "Gratis untuk perajin NTB."


def test_a_photo_in_a_thread_is_kept_and_a_file_that_is_not_one_is_refused(
        chat, conversations, tmp_path):
    chat.register_artisan(province="ntb")
    ask(chat)
    media = MediaStore(tmp_path / "media")
    out = io.BytesIO()
    Image.new("RGB", (900, 700), (150, 90, 40)).save(out, "JPEG")
    stored = store_photo(media, out.getvalue())
    chat.say("Seperti ini motifnya", photos=(Photo(ref=stored.path, thumb=stored.thumb),))
    chat.say(photos=(Photo(ref="doc-1", not_image=True),))
    assert "bukan foto" in chat.text and chat.step == "question:write"
    _, found = only_thread(conversations)
    assert [(m.text, m.photo) for m in found] == [("Seperti ini motifnya", None),
                                                  ("", stored.path)]
    assert (tmp_path / "media" / found[1].photo).is_file()
    with session_scope(conversations.database) as session:  # erased with the person
        person = session.exec(select(User).where(User.address == chat.address)).one()
        files = users.erase(session, person, chat.now, "Asia/Jakarta")
        assert {stored.path, stored.thumb} <= files
        assert session.exec(select(ThreadMessage)).all() == []


class FakeTwilioClient:
    """What the WhatsApp sender calls, keeping what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.messages = self

    async def create_async(self, **fields: Any) -> Any:
        self.sent.append(fields)
        return SimpleNamespace(sid=f"SM{len(self.sent)}")


def sent_on_whatsapp(conversations, row: OutboxMessage, now) -> dict[str, Any]:
    with session_scope(conversations.database) as session:
        last = last_inbound(session, "whatsapp", [row.address]).get(row.address)
    client = FakeTwilioClient()
    sender = Sender(client, "whatsapp:+14155238886", None, {"reply": "HX" + "a" * 32})  # type: ignore[arg-type]
    asyncio.run(sender.send(row.address, row.kind, row.payload, in_reply_window(last, now)))
    [fields] = client.sent
    return fields


def test_a_thread_on_each_channel_and_whatsapp_answers_outside_the_window_as_template(
        conversations):
    admin = officer(conversations, offices.NATIONAL)
    telegram = Chat(conversations, address="5550001", channel="telegram")
    whatsapp = Chat(conversations, address="6281299990000", channel="whatsapp",
                    phone="+6281299990000")
    for person in (telegram, whatsapp):
        person.register_artisan(province="sumsel")
        ask(person)
        person.say(f"Pertanyaan dari {person.channel}")
    with session_scope(conversations.database) as session:
        ids = {t.user_id: t.id for t in session.exec(select(Thread))}
        people = {u.channel: u.id for u in session.exec(select(User).where(
            User.role.is_not(None)))}
    answer(conversations, admin, ids[people["telegram"]], "Jawaban Telegram", telegram.now)
    [row] = outbox(conversations)
    assert row.channel == "telegram" and "Jawaban Telegram" in row.payload["text"]

    inside = whatsapp.now + timedelta(hours=2)
    answer(conversations, admin, ids[people["whatsapp"]], "Jawaban pertama", inside)
    fields = sent_on_whatsapp(conversations, outbox(conversations)[-1], inside)
    assert "Jawaban pertama" in fields["body"] and "content_sid" not in fields
    later = whatsapp.now + timedelta(days=2)
    answer(conversations, admin, ids[people["whatsapp"]], "Jawaban kedua\nbaris dua", later)
    row = outbox(conversations)[-1]
    assert row.channel == "whatsapp" and row.kind == "reply"
    fields = sent_on_whatsapp(conversations, row, later)
    assert fields["content_sid"] == "HX" + "a" * 32 and "body" not in fields
    assert "Jawaban kedua baris dua" in fields["content_variables"]


def test_a_long_answer_is_cut_to_fit_a_screen(chat, conversations):
    admin = officer(conversations, offices.NATIONAL)
    chat.register_artisan(province="sumsel")
    ask(chat)
    chat.say("Mohon penjelasan lengkap")
    thread, _ = only_thread(conversations)
    answer(conversations, admin, thread.id, " ".join(["Penjelasan panjang."] * 90), chat.now)
    pieces = outbox(conversations)
    assert len(pieces) >= 3 and all(len(p.payload["text"]) <= 600 for p in pieces)
    assert len({p.idempotency_key for p in pieces}) == len(pieces)
