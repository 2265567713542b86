"""WhatsApp, end to end: the real twilio library against a local fake Twilio REST API,
webhooks signed as Twilio signs them and posted to `kriya serve` on loopback."""

from __future__ import annotations

import io
import itertools
import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from bot.config import Config, ConfigError
from bot.server import create_app
from conversations.messages import step_tag
from conversations.photos import store_photo
from storage.media import MediaStore
from storage.models import Conversation, OutboxMessage, User, utcnow
from tests.conftest import eventually, kriya_serve
from tests.fake_telegram import ServerThread, free_port
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, Failure, FakeTwilio, FileHost

PUBLIC = "https://kriya.example.id"
SENDER = "whatsapp:+14155238886"
PHONE = "+6281234567890"
TO = f"whatsapp:{PHONE}"


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(port=free_port())
    with ServerThread(fake.app(), fake.port):
        yield fake


@pytest.fixture
def twilio(twilio_api) -> FakeTwilio:
    """The module's Twilio stand-in, as it started: one server, a clean slate a test."""
    twilio_api.reset()
    return twilio_api


@pytest.fixture(scope="module")
def file_host() -> Iterator[FileHost]:
    host = FileHost(port=free_port())
    with ServerThread(host.app(), host.port):
        yield host


@pytest.fixture
def stranger(file_host) -> FileHost:
    file_host.reset()
    return file_host


@contextmanager
def serving(database_url: str, twilio: FakeTwilio, media_dir, **env: str) -> Iterator[Any]:
    config = Config(
        KRIYA_DATABASE_URL=database_url, KRIYA_PUBLIC_URL=PUBLIC, KRIYA_MEDIA_DIR=str(media_dir),
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_WHATSAPP_FROM=SENDER, TWILIO_API_BASE_URL=twilio.base_url,
        TWILIO_CONTENT_BASE_URL=twilio.base_url, **env,
    )
    with kriya_serve(config) as client:
        yield client


@pytest.fixture
def kriya(database_url, twilio, stranger, tmp_path) -> Iterator[Any]:
    with serving(database_url, twilio, tmp_path / "media") as client:
        yield client


def sign(path: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(PUBLIC + path, params)


class Person:
    """Someone writing to the bot on WhatsApp, through Twilio."""

    sids = itertools.count(1)

    def __init__(self, client: httpx.Client, twilio: FakeTwilio, phone: str = PHONE,
                 profile: str | None = "Siti") -> None:
        self.client, self.twilio, self.phone, self.profile = client, twilio, phone, profile

    def form(self, text: str = "", media: list[tuple[str, str]] = (), sid: str | None = None,
             **extra: str) -> dict[str, str]:
        params = {
            "MessageSid": sid or f"SM{next(self.sids):032d}", "AccountSid": ACCOUNT_SID,
            "From": f"whatsapp:{self.phone}", "To": SENDER, "Body": text,
            "NumMedia": str(len(media)), "WaId": self.phone.lstrip("+"),
        }
        if self.profile:
            params["ProfileName"] = self.profile
        for n, (url, content_type) in enumerate(media):
            params[f"MediaUrl{n}"] = url
            params[f"MediaContentType{n}"] = content_type
        params.update(extra)
        return params

    def post(self, params: dict[str, str], signature: str | None = None,
             path: str = "/whatsapp/webhook") -> httpx.Response:
        headers = {"X-Twilio-Signature": sign(path, params) if signature is None else signature}
        return self.client.post(path, data=params, headers=headers)

    def says(self, text: str = "", **kwargs: Any) -> httpx.Response:
        response = self.post(self.form(text, **kwargs))
        assert response.status_code == 200, response.text
        return response

    def bodies(self) -> list[str]:
        """What each message showed: its text, with its buttons or list rows [in brackets]."""
        return [self.twilio.shown(m) for m in self.twilio.sent(f"whatsapp:{self.phone}")]

    def texts(self) -> list[str]:
        """The text of each message: its body, or the question its buttons are on."""
        return [m.get("Body") or json.loads(m.get("ContentVariables") or "{}").get("1", "")
                for m in self.twilio.sent(f"whatsapp:{self.phone}")]

    def last(self) -> str:
        return self.bodies()[-1]


def rows(client, model) -> list[Any]:
    with Session(client.app.state.database) as session:
        return list(session.exec(select(model)))


def jpeg(size: tuple[int, int] = (40, 30), color: str = "orange") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def register(siti: Person) -> None:
    for answer in ("halo", "1", "perajin", "1", "Tenun Ikat Sasak", "ntb", "Kota Mataram",
                   "3, 4", "1"):
        siti.says(answer)


# A whole registration


def test_a_whole_registration_by_numbers_and_words(kriya, twilio):
    siti = Person(kriya, twilio)
    siti.says("halo")
    consent = siti.last()
    assert "UU" in consent and "\n1. " in consent and "\n2. " in consent
    siti.says("1")
    siti.says("Perajin")  # the option's words, any case
    assert "Apakah nama Anda Siti?" in siti.last()  # WhatsApp's profile name, offered
    siti.says("1")
    siti.says("<Tenun & Co>")
    siti.says("ntb")
    siti.says("Kota Mataram")
    siti.says("3, 4")
    summary = siti.last()  # the phone was not asked: WhatsApp vouches for the sender
    assert "Siti" in summary and "<Tenun & Co>" in summary and "0812-3456-7890" in summary
    siti.says("ya")
    [user] = rows(kriya, User)
    assert (user.channel, user.address, user.phone) == ("whatsapp", PHONE, PHONE)
    assert user.name == "Siti" and user.business_name == "<Tenun & Co>"
    menu = siti.last()
    assert "Cari program" in menu
    siti.says("CARI PROGRAM")
    finder = siti.last()  # the finder's first question, its options as a list's rows
    assert "Ingin mencari program" in finder and "\n[Berdasarkan jenis…]" in finder
    sent = twilio.sent(TO)
    assert all(m["From"] == SENDER for m in sent)
    assert all(m["StatusCallback"] == f"{PUBLIC}/whatsapp/status" for m in sent)
    messages = eventually(lambda: rows(kriya, OutboxMessage),
                          lambda found: all(m.status == "sent" for m in found))
    assert all(m.status == "sent" and m.provider_id and m.provider_id.startswith("SM")
               for m in messages)


def test_quick_reply_buttons_answer_like_typing(kriya, twilio):
    siti = Person(kriya, twilio)
    siti.says("halo")
    # A quick reply of ours carries "<question tag>|<option>"; one from a template, its text.
    siti.says(ButtonPayload=f"{step_tag('registration:consent')}|agree", ButtonText="Setuju")
    assert "perajin" in siti.last().lower()
    siti.says(ButtonPayload="ROLE_ARTISAN", ButtonText="Perajin")
    assert "Apakah nama Anda Siti?" in siti.last()
    siti.says(ButtonPayload=f"{step_tag('registration:consent')}|decline")  # an old button
    assert "sebelumnya" in siti.last()
    [conversation] = rows(kriya, Conversation)
    assert conversation.step == "registration:name_offer"  # changed nothing


def test_typing_another_name_instead_of_taking_the_offered_one(kriya, twilio):
    siti = Person(kriya, twilio, profile="✨Siti✨ Shop")
    for answer in ("halo", "1", "1"):
        siti.says(answer)
    assert "Siti" not in siti.last()  # an emoji shop name is not offered as a name
    siti.says("Siti Aminah")
    siti.says("Tenun Ikat Sasak")
    assert "provinsi" in siti.last().lower()
    [conversation] = rows(kriya, Conversation)
    assert conversation.answers["answers"]["name"] == "Siti Aminah"


def test_a_reaction_is_no_answer_and_the_question_stays_open(kriya, twilio):
    siti = Person(kriya, twilio)
    siti.says("halo")
    siti.says("1")  # agreed; now: artisan or Lapas officer?
    [before] = rows(kriya, Conversation)
    replies, outbox = len(siti.bodies()), len(rows(kriya, OutboxMessage))
    question = "SM" + "f" * 32  # the message reacted to
    # A thumbs-up on the question, taking it back, and one from a form without MessageType.
    siti.says("👍", MessageType="reaction", OriginalRepliedMessageSid=question)
    siti.says("", MessageType="reaction", OriginalRepliedMessageSid=question)
    siti.says("🙏🏽", OriginalRepliedMessageSid=question)
    [after] = rows(kriya, Conversation)
    assert (after.step, after.answers, after.version) == \
        (before.step, before.answers, before.version)
    assert len(siti.bodies()) == replies and len(rows(kriya, OutboxMessage)) == outbox
    # The same emoji typed as a message is one, and gets its answer.
    siti.says("👍", MessageType="text")
    assert len(siti.bodies()) == replies + 1
    # A reply quoting the question is an answer like any other.
    siti.says("Perajin", MessageType="text", OriginalRepliedMessageSid=question)
    assert "Apakah nama Anda Siti?" in siti.last()


# Signatures and repeats


def test_a_bad_or_missing_signature_is_refused_and_nothing_is_handled(kriya, twilio):
    siti = Person(kriya, twilio)
    params = siti.form("halo")
    assert siti.post(params, signature="").status_code == 403
    assert siti.post(params, signature=sign("/whatsapp/webhook", params, "wrong")).status_code \
        == 403
    # Signed for another URL (what the app sees behind a proxy is not what Twilio called).
    forged = RequestValidator(AUTH_TOKEN).compute_signature(
        f"{kriya.base_url}/whatsapp/webhook", params)
    assert siti.post(params, signature=forged).status_code == 403
    tampered = {**params, "Body": "1"}
    assert siti.post(tampered, signature=sign("/whatsapp/webhook", params)).status_code == 403
    assert twilio.sent() == [] and rows(kriya, Conversation) == []
    assert siti.post(params).status_code == 200
    assert len(twilio.sent(TO)) == 1


def test_a_repeated_message_sid_is_answered_once(kriya, twilio):
    siti = Person(kriya, twilio)
    params = siti.form("halo")
    for _ in range(3):
        assert siti.post(params).status_code == 200
    assert len(twilio.sent(TO)) == 1


# Photos


def test_photos_in_messages_seconds_apart_are_one_answer_fetched_with_the_account(
    kriya, twilio
):
    siti = Person(kriya, twilio)
    siti.says("halo")
    photos = {f"{n}": (jpeg((400 + n, 300)), "image/jpeg") for n in range(3)}
    twilio.media.update(photos)
    replies_before = len(siti.bodies())

    def send(n: int) -> httpx.Response:
        time.sleep(n * 0.4)  # one photo a message, as WhatsApp sends them
        return siti.post(siti.form(media=[(twilio.media_url(f"{n}"), "image/jpeg")]))

    with ThreadPoolExecutor(3) as pool:
        assert all(r.status_code == 200 for r in pool.map(send, range(3)))
    assert len(siti.bodies()) == replies_before + 1  # one answer, one reply
    assert "tidak perlu foto" in siti.last().lower()  # consent takes no photo
    assert list(kriya.media.rglob("*.jpg")) == []  # photos of a refused answer are not kept
    requests = twilio.media_requests()
    assert len(requests) == 3 and all(r.authorization.startswith("Basic ") for r in requests)


def test_a_redirect_to_the_file_store_does_not_carry_the_credentials(
    kriya, twilio, stranger
):
    siti = Person(kriya, twilio)
    siti.says("halo")
    twilio.media["9"] = (jpeg((400, 300)), "image/jpeg")
    stranger.files["9"] = twilio.media["9"]
    twilio.redirect_media_to = stranger.base_url
    siti.says(media=[(twilio.media_url("9"), "image/jpeg")])
    assert [c.authorization for c in stranger.calls] == [None]
    assert "tidak perlu foto" in siti.last().lower()  # it came, a photo, where none is needed


def test_a_media_url_on_another_host_is_refused_without_a_request(kriya, twilio, stranger):
    siti = Person(kriya, twilio)
    siti.says("halo")
    stranger.files["x"] = (jpeg(), "image/jpeg")
    response = siti.post(siti.form(media=[(f"{stranger.base_url}/files/x", "image/jpeg")]))
    assert response.status_code == 400
    assert stranger.calls == []  # neither fetched nor sent the account's credentials
    assert list(kriya.media.rglob("*.*")) == []


def test_a_6_mb_photo_and_a_pdf_get_a_clear_message(kriya, twilio):
    siti = Person(kriya, twilio)
    siti.says("halo")
    twilio.media["big"] = (b"\xff\xd8\xff" + b"\0" * (6 * 1024 * 1024), "image/jpeg")
    siti.says(media=[(twilio.media_url("big"), "image/jpeg")])
    assert "terlalu besar" in siti.last() and "5 MB" in siti.last()
    twilio.media["doc"] = (b"%PDF-1.7 katalog", "application/pdf")
    siti.says(media=[(twilio.media_url("doc"), "application/pdf")])
    assert "bukan foto" in siti.last()
    twilio.media["fake"] = (b"not really a jpeg", "image/jpeg")
    siti.says(media=[(twilio.media_url("fake"), "image/jpeg")])
    assert "bukan foto" in siti.last()
    assert list(kriya.media.rglob("*.*")) == []
    [conversation] = rows(kriya, Conversation)
    assert conversation.step == "registration:consent"  # nothing lost, asked again


# Sending: the 24-hour window, templates, errors


def registered_long_ago(client, twilio) -> Person:
    siti = Person(client, twilio)
    register(siti)
    with Session(client.app.state.database) as session:
        conversation = session.exec(select(Conversation)).one()
        conversation.last_inbound_at = utcnow() - timedelta(days=2)
        session.add(conversation)
        session.commit()
    return siti


def push(client, kind: str, text: str, key: str) -> None:
    with Session(client.app.state.database) as session:
        user = session.exec(select(User)).one()
        session.add(OutboxMessage(channel="whatsapp", address=user.address, user_id=user.id,
                                  kind=kind, priority=5, payload={"text": text},
                                  idempotency_key=key))
        session.commit()


def outbox_row(client, key: str) -> OutboxMessage:
    with Session(client.app.state.database) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()


def test_a_push_outside_the_window_without_a_template_is_failed_not_sent(kriya, twilio):
    siti = registered_long_ago(kriya, twilio)
    before = len(siti.bodies())
    push(kriya, "broadcast", "Pameran INACRAFT dibuka!", "b1")
    row = eventually(lambda: outbox_row(kriya, "b1"), lambda r: r.status != "pending")
    assert row.status == "failed" and "needs template" in row.last_error
    assert "TWILIO_TEMPLATE_BROADCAST" in row.last_error
    assert len(siti.bodies()) == before


def test_a_push_outside_the_window_goes_as_the_kinds_template(
    database_url, twilio, tmp_path, monkeypatch
):
    twilio.reset()
    monkeypatch.setenv("TWILIO_TEMPLATE_BROADCAST", "HX" + "b" * 32)
    with serving(database_url, twilio, tmp_path / "media") as client:
        registered_long_ago(client, twilio)
        push(client, "broadcast", "Pameran INACRAFT\n\tdibuka!", "b2")
        row = eventually(lambda: outbox_row(client, "b2"), lambda r: r.status != "pending")
        assert row.status == "sent" and row.provider_id
        [message] = [m for m in twilio.sent(TO) if m.get("ContentSid") == "HX" + "b" * 32]
        assert "Body" not in message
        # WhatsApp refuses new lines and tabs in a template's variable.
        assert json.loads(message["ContentVariables"]) == {"1": "Pameran INACRAFT dibuka!"}


def test_a_message_the_closed_window_stopped_goes_again_as_its_template(
    database_url, twilio, tmp_path, monkeypatch
):
    twilio.reset()
    monkeypatch.setenv("TWILIO_TEMPLATE_REMINDER", "HX" + "r" * 32)
    with serving(database_url, twilio, tmp_path / "media") as client:
        siti = Person(client, twilio)
        register(siti)
        push(client, "reminder", "Seminar besok", "r9")
        first = eventually(lambda: outbox_row(client, "r9"), lambda r: r.status == "sent")
        assert "ContentSid" not in twilio.sent(TO)[-1]  # inside the window: free text
        # Twilio reports later that the window had closed (63016).
        callback(siti, first.provider_id, "undelivered", "63016")
        again = eventually(lambda: outbox_row(client, "r9"),
                           lambda r: r.provider_id != first.provider_id)
        assert again.status == "sent" and again.delivery_status == "queued"
        assert twilio.sent(TO)[-1]["ContentSid"] == "HX" + "r" * 32


def test_inside_the_window_a_push_is_free_text(kriya, twilio):
    siti = Person(kriya, twilio)
    register(siti)
    push(kriya, "broadcast", "Pameran INACRAFT dibuka!", "b3")
    eventually(lambda: outbox_row(kriya, "b3"), lambda r: r.status != "pending")
    assert siti.last() == "Pameran INACRAFT dibuka!"


@pytest.mark.parametrize(("status", "code", "outcome", "reachable"), [
    (400, 63016, "failed", True),
    (400, 63003, "blocked", False),
    (400, 63024, "blocked", False),
    (400, 63014, "blocked", False),
    (429, 63018, "pending", True),
    (429, 20429, "pending", True),
    (429, None, "pending", True),
    (400, 21211, "failed", True),
])
def test_each_twilio_error_has_its_outcome(kriya, twilio, status, code, outcome, reachable):
    siti = Person(kriya, twilio)
    register(siti)
    twilio.failures[TO] = Failure(status, code, "nope")
    push(kriya, "reminder", "Seminar besok pukul 09.00 WITA", "r1")
    row = eventually(lambda: outbox_row(kriya, "r1"), lambda r: r.last_error is not None)
    assert row.status == outcome
    if code is not None:
        assert row.error_code == str(code) and str(code) in row.last_error
    if code == 63016:
        assert "24-hour window" in row.last_error
    [user] = rows(kriya, User)
    assert user.unreachable is (not reachable)
    if outcome == "pending":  # backed off, then sent when Twilio takes it again
        assert row.not_before is not None and row.not_before > utcnow()
        row = eventually(lambda: outbox_row(kriya, "r1"), lambda r: r.status == "sent", 15)
        assert row.status == "sent"


# Status callbacks


def callback(siti: Person, sid: str, state: str, code: str | None = None) -> httpx.Response:
    params = {"MessageSid": sid, "MessageStatus": state, "AccountSid": ACCOUNT_SID,
              "To": TO, "From": SENDER}
    if code:
        params["ErrorCode"] = code
    return siti.post(params, path="/whatsapp/status")


def test_status_callbacks_are_recorded_on_the_message(kriya, twilio):
    siti = Person(kriya, twilio)
    siti.says("halo")
    [row] = eventually(lambda: rows(kriya, OutboxMessage), lambda r: bool(r[0].provider_id))
    sid = row.provider_id
    for state in ("sent", "delivered", "read", "sent"):  # the late "sent" changes nothing
        assert callback(siti, sid, state).status_code == 204
    assert outbox_row(kriya, row.idempotency_key).delivery_status == "read"
    assert siti.post({"MessageSid": sid, "MessageStatus": "failed"}, signature="x",
                     path="/whatsapp/status").status_code == 403


def test_a_failed_status_with_an_unreachable_code_stops_pushes(kriya, twilio):
    siti = Person(kriya, twilio)
    register(siti)
    rows_now = eventually(lambda: rows(kriya, OutboxMessage),
                          lambda found: all(m.provider_id for m in found))
    last = rows_now[-1]
    callback(siti, last.provider_id, "undelivered", "63024")
    row = outbox_row(kriya, last.idempotency_key)
    assert (row.status, row.delivery_status, row.error_code) == ("blocked", "undelivered", "63024")
    [user] = rows(kriya, User)
    assert user.unreachable is True


# One person, two channels


def telegram_user(client, address: str, name: str) -> None:
    with Session(client.app.state.database) as session:
        session.add(User(channel="telegram", address=address, role="artisan", name=name,
                         phone=PHONE, province="Nusa Tenggara Barat", registered_at=utcnow(),
                         consent_at=utcnow()))
        session.commit()


def code_sent_to_telegram(client) -> tuple[OutboxMessage, str]:
    [push] = [m for m in rows(client, OutboxMessage) if m.channel == "telegram"]
    return push, re.search(r"\b(\d{6})\b", push.payload["text"]).group(1)


def test_a_number_registered_on_telegram_is_linked_with_a_code_sent_there(kriya, twilio):
    telegram_user(kriya, "777001", "Siti Aminah")
    siti = Person(kriya, twilio)
    siti.says("halo")
    question = siti.last()
    # Telegram never confirmed that number: its owner's name is not shown to this sender.
    assert "Telegram" in question and "Siti Aminah" not in question
    siti.says("1")
    push, code = code_sent_to_telegram(kriya)
    assert (push.address, push.kind) == ("777001", "verification")
    assert "kode" in siti.last().lower() and code not in "\n".join(siti.bodies())
    siti.says("000000" if code != "000000" else "111111")
    assert "tidak benar" in siti.last()
    siti.says(code)
    assert "Selamat datang kembali, Siti Aminah" in "\n".join(siti.bodies()[-2:])
    assert "Cari program" in siti.last()
    [user] = rows(kriya, User)  # not registered twice
    [conversation] = rows(kriya, Conversation)
    assert conversation.user_id == user.id and conversation.channel == "whatsapp"


def test_an_expired_code_is_refused(kriya, twilio):
    telegram_user(kriya, "777004", "Siti Aminah")
    siti = Person(kriya, twilio)
    siti.says("halo")
    siti.says("1")
    _, code = code_sent_to_telegram(kriya)
    with Session(kriya.app.state.database) as session:
        conversation = session.exec(select(Conversation)).one()
        state = dict(conversation.answers)
        link = dict(state["scratch"]["link"])  # the code sent, and until when it holds
        link["until"] = (utcnow() - timedelta(minutes=1)).isoformat()
        conversation.answers = {**state, "scratch": {**state["scratch"], "link": link}}
        session.add(conversation)
        session.commit()
    siti.says(code)
    assert "kedaluwarsa" in siti.last()
    [conversation] = rows(kriya, Conversation)
    assert conversation.user_id is None


def test_three_wrong_codes_link_nothing(kriya, twilio):
    telegram_user(kriya, "777003", "Siti Aminah")
    siti = Person(kriya, twilio)
    siti.says("halo")
    siti.says("ya")
    _, code = code_sent_to_telegram(kriya)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        siti.says(wrong)
    assert "tiga kali" in siti.last()
    assert rows(kriya, Conversation) == []  # nothing of theirs kept, nothing linked
    assert len(rows(kriya, User)) == 1


def test_saying_no_registers_the_number_anew(kriya, twilio):
    telegram_user(kriya, "777002", "Budi")
    siti = Person(kriya, twilio)
    siti.says("halo")
    siti.says("2")
    assert "UU" in siti.last()  # consent: a registration of their own


# Configuration


def test_whatsapp_without_a_public_url_is_a_configuration_error(database_url, tmp_path):
    config = Config(KRIYA_DATABASE_URL=database_url, TWILIO_ACCOUNT_SID=ACCOUNT_SID,
                    TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_WHATSAPP_FROM=SENDER,
                    KRIYA_MEDIA_DIR=str(tmp_path))
    with pytest.raises(ConfigError, match="KRIYA_PUBLIC_URL"):
        create_app(config)


def test_photos_go_before_the_text_from_urls_only_twilio_can_fetch(kriya, twilio):
    siti = Person(kriya, twilio)
    register(siti)
    store = MediaStore(kriya.media)
    paths = [store_photo(store, jpeg((400 + n, 300))).path for n in range(2)]
    with Session(kriya.app.state.database) as session:
        user = session.exec(select(User)).one()
        session.add(OutboxMessage(channel="whatsapp", address=user.address, user_id=user.id,
                                  kind="decision", payload={"text": "Produk", "media": paths},
                                  idempotency_key="with-photos"))
        session.commit()
    eventually(lambda: outbox_row(kriya, "with-photos"), lambda r: r.status == "sent")
    first, second, text = twilio.sent(TO)[-3:]
    assert text["Body"] == "Produk" and "MediaUrl" not in text
    for sent, path in ((first, paths[0]), (second, paths[1])):
        url = sent["MediaUrl"]
        assert url.startswith(f"{PUBLIC}/media/") and url.endswith(path)
        served = kriya.get(url.removeprefix(PUBLIC))  # what Twilio fetches
        assert served.status_code == 200
        assert served.content == (kriya.media / path).read_bytes()
    token = first["MediaUrl"].removeprefix(f"{PUBLIC}/media/").split("/")[0]
    assert kriya.get(f"/media/{'0' * 32}/{paths[0]}").status_code == 404  # guessed token
    assert kriya.get(f"/media/{token}/{paths[1]}").status_code == 404  # another file's token
    assert kriya.get(f"/media/{token}/../{paths[0]}").status_code == 404


def test_a_newcomer_registers_in_eight_answers_each_reply_fitting_a_screen(kriya, twilio):
    siti = Person(kriya, twilio)
    siti.says("MULAI")  # a first word that is not an answer starts registration all the same
    consent = siti.last()
    assert f"{PUBLIC}/privasi" in consent and "Apakah Anda setuju?" in consent
    answers = ("1", "perajin", "1", "Tenun Ikat Sasak", "ntb", "Kota Mataram", "3, 4", "ya")
    for answer in answers:
        siti.says(answer)
    assert len(answers) <= 8
    [user] = rows(kriya, User)
    assert user.registered_at is not None and user.province == "Nusa Tenggara Barat"
    texts = siti.texts()  # a question's buttons are below its text
    assert all(len(text) <= 600 for text in texts), [len(text) for text in texts]
    assert "Provinsi: Nusa Tenggara Barat ✔" in "\n".join(texts)
