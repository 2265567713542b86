"""What comes in at the doors and is not what it should be: ids of the wrong shape, group
chats, late status reports, formulas in disguise, a database that is away for a moment, a
role taken away mid-flow; and the table of handled ids kept short."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from bot.config import Config
from bot.scheduler import run_upkeep
from conversations import sending, staff
from conversations.messages import Inbound
from storage import db as storage_db
from storage.db import retried, session_scope
from storage.exports import to_bytes
from storage.models import Conversation, HandledInbound, OutboxMessage, User, utcnow
from tests.conftest import kriya_serve
from tests.fake_telegram import FakeTelegram, ServerThread, free_port
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.test_curation import curator, submit
from tests.test_telegram import SECRET
from tests.test_whatsapp import PUBLIC, SENDER, sign

GOOD_SID = "SM" + "0a" * 16


@pytest.fixture(scope="module")
def platforms() -> Iterator[tuple[FakeTelegram, FakeTwilio]]:
    telegram, twilio = FakeTelegram(port=free_port()), FakeTwilio(port=free_port())
    with ServerThread(telegram.app(), telegram.port), ServerThread(twilio.app(), twilio.port):
        yield telegram, twilio


@pytest.fixture
def kriya(platforms, database_url, tmp_path) -> Iterator[Any]:
    telegram, twilio = platforms
    telegram.reset()
    twilio.reset()
    config = Config(
        KRIYA_DATABASE_URL=database_url, KRIYA_PUBLIC_URL=PUBLIC,
        KRIYA_MEDIA_DIR=str(tmp_path / "media"),
        TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE_URL=telegram.api_base, TELEGRAM_FILE_BASE_URL=telegram.file_base,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_WHATSAPP_FROM=SENDER, TWILIO_API_BASE_URL=twilio.base_url,
    )
    with kriya_serve(config) as client:
        yield client


def telegram_post(client: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    return client.post("/telegram/webhook", json=body,
                       headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})


def whatsapp_post(client: httpx.Client, params: dict[str, str], path: str = "/whatsapp/webhook",
                  signed_url: str | None = None) -> httpx.Response:
    signature = sign(path, params) if signed_url is None else \
        RequestValidator(AUTH_TOKEN).compute_signature(signed_url, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def whatsapp_form(text: str = "halo", sid: str = GOOD_SID,
                  sender: str = "whatsapp:+6281234567890") -> dict[str, str]:
    return {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender, "To": SENDER,
            "Body": text, "NumMedia": "0"}


def stored(client: httpx.Client, model: Any) -> list[Any]:
    with Session(client.app.state.database) as session:
        return list(session.exec(select(model)))


def message(update_id: int, chat: dict[str, Any], text: str = "halo") -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": int(time.time()), "text": text,
        "from": {"id": 4242, "is_bot": False, "first_name": "Siti"}, "chat": chat}}


def test_telegram_ids_of_the_wrong_shape_and_group_chats_get_no_answer(kriya, platforms):
    telegram, _ = platforms
    tap = {"update_id": 12, "callback_query": {
        "id": "cb1", "from": {"id": 4242, "is_bot": False, "first_name": "Siti"},
        "chat_instance": "ci", "data": "abc|yes",
        "message": {"message_id": 1, "date": int(time.time()), "text": "...",
                    "chat": {"id": -1001234567890, "type": "supergroup", "title": "Grup"}}}}
    joined = {"update_id": 13, "my_chat_member": {
        "chat": {"id": -100777, "type": "group", "title": "Grup"},
        "from": {"id": 4242, "is_bot": False, "first_name": "Siti"}, "date": int(time.time()),
        "old_chat_member": {"status": "left", "user": {"id": 777000, "is_bot": True,
                                                      "first_name": "Kriya"}},
        "new_chat_member": {"status": "member", "user": {"id": 777000, "is_bot": True,
                                                        "first_name": "Kriya"}}}}
    for body in (message(10, {"id": "abc", "type": "private"}),
                 message(11, {"id": 10**30, "type": "private"}),
                 message(14, {"id": -100555, "type": "group", "title": "Grup"}),
                 message(15, {"id": -100556, "type": "supergroup", "title": "Grup"}),
                 message(16, {"id": -100557, "type": "channel", "title": "Kanal"}),
                 tap, joined):
        assert telegram_post(kriya, body).status_code == 200
    assert stored(kriya, Conversation) == [] and stored(kriya, OutboxMessage) == []
    assert stored(kriya, HandledInbound) == []
    assert [c.method for c in telegram.calls if c.method.startswith(("send", "answer"))] == []
    # A person in a private chat is still answered.
    assert telegram_post(kriya, message(17, {"id": 4242, "type": "private"})).status_code == 200
    assert [c.address for c in stored(kriya, Conversation)] == ["4242"]


def test_twilio_ids_and_senders_of_the_wrong_shape_are_never_stored(kriya, platforms):
    _, twilio = platforms
    for form in (whatsapp_form(sid="SM\x00" + "0" * 31), whatsapp_form(sid="SM" + "a" * 298),
                 whatsapp_form(sid="hello"), whatsapp_form(sender="whatsapp:+62812\x0034567"),
                 whatsapp_form(sender="whatsapp:+62" + "8" * 300)):
        assert whatsapp_post(kriya, form).status_code == 200
    status = {"MessageSid": "SM\x00" + "x" * 300, "MessageStatus": "failed",
              "AccountSid": ACCOUNT_SID}
    assert whatsapp_post(kriya, status, path="/whatsapp/status").status_code == 204
    assert stored(kriya, HandledInbound) == [] and stored(kriya, Conversation) == []
    assert twilio.sent() == []


def test_twilios_signature_is_taken_with_or_without_the_connection_overrides(kriya):
    url = PUBLIC + "/whatsapp/webhook"
    assert whatsapp_post(kriya, whatsapp_form(sid="SM" + "1" * 32),
                         signed_url=url + "#rc=3&rp=5xx").status_code == 200
    assert whatsapp_post(kriya, whatsapp_form(sid="SM" + "2" * 32),
                         signed_url=url).status_code == 200
    assert whatsapp_post(kriya, whatsapp_form(sid="SM" + "3" * 32),
                         signed_url=url + "#rc=5").status_code == 403
    assert len(stored(kriya, HandledInbound)) == 2


def _connection_died(*_: Any) -> Any:
    error = OperationalError("SELECT 1", {}, Exception("terminating connection"))
    error.connection_invalidated = True
    raise error


def test_a_message_that_cannot_be_handled_now_is_asked_for_again(kriya, platforms, monkeypatch):
    telegram, twilio = platforms
    conversations = kriya.app.state.conversations
    monkeypatch.setattr(conversations, "handle", _connection_died)
    refused = [whatsapp_post(kriya, whatsapp_form()),
               telegram_post(kriya, message(20, {"id": 4242, "type": "private"}))]
    assert [(r.status_code, r.headers.get("Retry-After")) for r in refused] == [(503, "5")] * 2
    monkeypatch.undo()
    # Delivered again by the platform: handled once, answered once.
    assert whatsapp_post(kriya, whatsapp_form()).status_code == 200
    assert telegram_post(kriya, message(20, {"id": 4242, "type": "private"})).status_code == 200
    assert len(twilio.sent()) == 1 and len(telegram.sent()) == 1


def test_a_transaction_runs_again_only_when_its_connection_died(monkeypatch):
    monkeypatch.setattr(storage_db, "PAUSES", (0.0,))
    tries: list[int] = []

    def flaky(attempt: int) -> str:
        tries.append(attempt)
        if attempt < 2:
            _connection_died()
        return "done"

    assert retried(flaky) == "done" and tries == [0, 1, 2]
    tries.clear()
    with pytest.raises(OperationalError):
        retried(lambda attempt: tries.append(attempt) or _connection_died())
    assert tries == [0, 1, 2]  # bounded

    def broken(attempt: int) -> None:
        tries.append(attempt)
        raise ValueError("a fault of the work itself")

    tries.clear()
    with pytest.raises(ValueError):
        retried(broken)
    assert tries == [0]


def test_a_commit_that_went_through_as_the_connection_died_still_sends_its_replies(
        conversations):
    inbound = Inbound(channel="telegram", address="4242", text="halo", message_id="update:7",
                      received_at=utcnow())
    first = conversations._handle(inbound, resumed=False)
    assert first
    again = conversations._handle(inbound, resumed=True)  # this call's own retry
    assert [(d.key, d.message.text) for d in again] == [(d.key, d.message.text) for d in first]
    assert conversations.handle(inbound) == []  # a platform's retry is answered once


def test_status_reports_never_move_a_message_back(database):
    now = utcnow()
    with session_scope(database) as session:
        for n in (1, 2):
            session.add(OutboxMessage(channel="whatsapp", address="+6281234567890",
                                      kind="reply", payload={"text": "x"},
                                      idempotency_key=f"k{n}", status="sent",
                                      provider_id=f"SM{n}", delivery_status="queued"))
    for state in ("sent", "delivered", "read", "failed", "undelivered", "delivered", "sent"):
        with session_scope(database) as session:
            sending.record_report(session, "SM1", state, now, "30008",
                                  sending.Outcome(sending.OutcomeStatus.FAILED, state))
    for state in ("sent", "failed", "read"):  # a failure before delivery stands
        with session_scope(database) as session:
            sending.record_report(session, "SM2", state, now, "30008",
                                  sending.Outcome(sending.OutcomeStatus.FAILED, state))
    with Session(database) as session:
        found = {m.idempotency_key: (m.status, m.delivery_status)
                 for m in session.exec(select(OutboxMessage))}
    assert found == {"k1": ("sent", "read"), "k2": ("failed", "failed")}


def test_exports_escape_formulas_written_in_full_width_letters():
    cells = ["＝HYPERLINK(\"http://x\")", "＋1+1", "－2", "＠SUM(A1)", "=1", "+62 812 3456",
             "Tenun"]
    text = to_bytes("csv", ["Catatan"], [[c] for c in cells]).decode("utf-8-sig")
    written = [row[0] for row in list(csv.reader(io.StringIO(text)))[1:]]
    assert written == ["'＝HYPERLINK(\"http://x\")", "'＋1+1", "'－2", "'＠SUM(A1)", "'=1",
                       "+62 812 3456", "Tenun"]
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(to_bytes("xlsx", ["Catatan"], [[c] for c in cells]))).active
    assert sheet.cell(2, 1).value == "'＝HYPERLINK(\"http://x\")"


def test_the_scheduler_forgets_handled_message_ids_after_a_week(database):
    now = utcnow()
    with session_scope(database) as session:
        for n, age in enumerate((timedelta(days=8), timedelta(days=7, minutes=1),
                                 timedelta(days=6))):
            session.add(HandledInbound(channel="telegram", message_id=f"update:{n}",
                                       handled_at=now - age))
    assert run_upkeep(database, now) == 2
    with Session(database) as session:
        assert [h.message_id for h in session.exec(select(HandledInbound))] == ["update:2"]


def test_a_curator_whose_role_is_taken_mid_review_sees_no_more_products(conversations,
                                                                        tmp_path):
    from storage.media import MediaStore
    from tests.test_curation import artisan

    media = MediaStore(tmp_path / "media")
    for n in range(2):
        siti = artisan(conversations, f"a-{n}", name=f"Siti Aminah {'ab'[n]}")
        submit(siti, media, f"Produk {n}")
    dewi = curator(conversations, "c-1")
    dewi.say("/kurasi")
    dewi.say("semua")
    assert "Produk 0" in dewi.text
    with session_scope(conversations.database) as session:
        staff.take_role(session, "terminal", "c-1", "curator")
    for answer in ("lewati", "terima", "/kurasi"):
        dewi.say(answer)
        assert "Produk" not in dewi.text and "Rp" not in dewi.text, dewi.text
    with Session(conversations.database) as session:
        user = session.exec(select(User).where(User.address == "c-1")).one()
    assert user.staff_roles == []


def test_text_with_nul_bytes_is_answered_like_any_other(kriya, platforms):
    telegram, twilio = platforms
    assert whatsapp_post(kriya, whatsapp_form("ha\x00lo")).status_code == 200
    assert telegram_post(kriya, message(30, {"id": 4242, "type": "private"},
                                        "ha\x00lo")).status_code == 200
    assert len(twilio.sent()) == 1 and len(telegram.sent()) == 1


def test_a_sent_message_is_recorded_even_when_the_first_writes_fail(database, monkeypatch):
    import asyncio

    from bot.recorder import Recorder
    from bot.work import DatabaseWork

    monkeypatch.setattr(storage_db, "PAUSES", (0.0,))
    recorder = Recorder(database, DatabaseWork(database))
    written: list[list[str]] = []

    def record(outcomes) -> None:
        written.append([key for key, _ in outcomes])
        if len(written) <= 3:  # every try of the first write: the connection died
            _connection_died()

    monkeypatch.setattr(recorder, "_record", record)
    sent = sending.Outcome(sending.OutcomeStatus.SENT, provider_id="SM" + "0" * 32)

    async def go() -> None:
        await recorder.add("reply:whatsapp:SM1:0", sent)  # no error for the request
        await recorder.flush()

    asyncio.run(go())
    assert written == [["reply:whatsapp:SM1:0"]] * 4
