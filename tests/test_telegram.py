"""Telegram, end to end: the real python-telegram-bot library against a local fake Bot API,
updates posted to `kriya serve`'s webhook on loopback."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlmodel import Session, select

from bot.channels.telegram.sending import TEXT_LIMIT, callback_data
from bot.channels.text import split_text
from bot.config import Config
from bot.server import create_app
from conversations.photos import store_photo
from storage.media import MediaStore
from storage.models import Conversation, OutboxMessage, User
from tests.conftest import eventually, kriya_serve
from tests.fake_telegram import FakeTelegram, ServerThread, free_port

SECRET = "s3cret-webhook-token"
CHAT = 424242


@pytest.fixture(scope="module")
def bot_api() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(port=free_port())
    with ServerThread(fake.app(), fake.port):
        yield fake


@pytest.fixture
def fake(bot_api) -> FakeTelegram:
    """The module's Bot API stand-in, as it started: one server, a clean slate a test."""
    bot_api.reset()
    return bot_api


@pytest.fixture
def kriya(fake, database_url, tmp_path) -> Iterator[Any]:
    config = Config(
        KRIYA_DATABASE_URL=database_url, KRIYA_PUBLIC_URL="https://kriya.example.id",
        TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE_URL=fake.api_base, TELEGRAM_FILE_BASE_URL=fake.file_base,
        KRIYA_MEDIA_DIR=str(tmp_path / "media"),
    )
    with kriya_serve(config) as client:
        yield client


class User_:
    """A Telegram user tapping and typing; update ids grow as Telegram's do."""

    next_update = 1000

    def __init__(self, client: httpx.Client, fake: FakeTelegram, chat_id: int = CHAT,
                 name: str = "Siti") -> None:
        self.client, self.fake, self.chat_id, self.name = client, fake, chat_id, name

    def _post(self, body: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return self.client.post("/telegram/webhook", json=body, headers=headers)

    def update_id(self) -> int:
        User_.next_update += 1
        return User_.next_update

    def who(self) -> dict[str, Any]:
        return {"id": self.chat_id, "is_bot": False, "first_name": self.name}

    def says(self, text: str, update_id: int | None = None, **kw) -> httpx.Response:
        uid = update_id or self.update_id()
        return self._post({"update_id": uid, "message": {
            "message_id": uid, "date": int(time.time()), "text": text, "from": self.who(),
            "chat": {"id": self.chat_id, "type": "private", "first_name": self.name}}}, **kw)

    def taps(self, data: str) -> httpx.Response:
        uid = self.update_id()
        return self._post({"update_id": uid, "callback_query": {
            "id": f"cb{uid}", "from": self.who(), "chat_instance": "ci", "data": data,
            "message": {"message_id": 1, "date": int(time.time()), "text": "...",
                        "chat": {"id": self.chat_id, "type": "private"}}}})

    def sends_photo(self, file_id: str, size: int, album: str | None = None,
                    as_document: bool = False) -> httpx.Response:
        uid = self.update_id()
        message: dict[str, Any] = {
            "message_id": uid, "date": int(time.time()), "from": self.who(),
            "chat": {"id": self.chat_id, "type": "private"}}
        if as_document:
            message["document"] = {"file_id": file_id, "file_unique_id": f"u{file_id}",
                                   "mime_type": "image/png", "file_size": size}
        else:
            message["photo"] = [
                {"file_id": f"{file_id}-thumb", "file_unique_id": f"t{file_id}", "width": 90,
                 "height": 67, "file_size": 900},
                {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 1280,
                 "height": 960, "file_size": size},
            ]
        if album:
            message["media_group_id"] = album
        return self._post({"update_id": uid, "message": message})

    def last(self) -> dict[str, Any]:
        return self.fake.sent(self.chat_id)[-1]

    def buttons(self) -> list[tuple[str, str]]:
        markup = self.last().get("reply_markup") or {"inline_keyboard": []}
        return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]

    def tap(self, label_part: str) -> httpx.Response:
        for text, data in self.buttons():
            if label_part.lower() in text.lower():
                return self.taps(data)
        raise AssertionError(f"no button {label_part!r} in {self.buttons()}")


def db_rows(client, model) -> list[Any]:
    with Session(client.app.state.database) as session:
        return list(session.exec(select(model)))


def test_start_sets_the_webhook_with_its_secret_and_registers_commands(kriya, fake):
    setup = {c.method: c.params for c in fake.calls}
    assert setup["setWebhook"]["url"] == "https://kriya.example.id/telegram/webhook"
    assert setup["setWebhook"]["secret_token"] == SECRET
    assert "callback_query" in setup["setWebhook"]["allowed_updates"]
    languages = {c.params.get("language_code") for c in fake.calls if c.method == "setMyCommands"}
    assert {"id", "en"} <= languages
    assert kriya.get("/healthz").status_code == 200


def test_a_whole_registration_by_buttons_and_text(kriya, fake):
    siti = User_(kriya, fake)
    assert siti.says("/start").status_code == 200
    assert "UU" in siti.last()["text"]
    assert siti.last()["parse_mode"] == "HTML"
    assert all(len(d.encode()) <= 64 for _, d in siti.buttons())
    siti.tap("setuju")
    assert any(c.method == "answerCallbackQuery" for c in fake.calls)
    siti.tap("Perajin")
    siti.says("Siti Aminah")
    siti.says("<Batik & Co>")
    siti.says("ntb")
    siti.says("Kota Mataram")
    siti.tap("Tenun")
    siti.says("0812 3456 7890")
    summary = siti.last()["text"]
    assert "&lt;Batik &amp; Co&gt;" in summary  # arrives intact, not as a parse error
    siti.tap("simpan")
    [user] = db_rows(kriya, User)
    assert user.business_name == "<Batik & Co>" and user.province == "Nusa Tenggara Barat"
    assert "Cari program" in [t.split(". ", 1)[1] for t, _ in siti.buttons()]
    # Replies are marked sent a moment after they reached Telegram, in batches.
    statuses = eventually(lambda: {m.status for m in db_rows(kriya, OutboxMessage)},
                          lambda found: found == {"sent"})
    assert statuses == {"sent"}


def test_a_wrong_or_missing_secret_is_refused(kriya, fake):
    siti = User_(kriya, fake)
    assert siti.says("/start", secret="wrong").status_code == 403
    assert siti.says("/start", secret=None).status_code == 403
    assert fake.sent(CHAT) == []
    assert db_rows(kriya, Conversation) == []


def test_a_repeated_update_is_handled_once(kriya, fake):
    siti = User_(kriya, fake)
    siti.says("/start", update_id=5001)
    siti.says("/start", update_id=5001)
    assert len(fake.sent(CHAT)) == 1


def test_a_stale_button_gets_a_notice_and_changes_nothing(kriya, fake):
    siti = User_(kriya, fake)
    siti.says("/start")
    consent_buttons = siti.buttons()
    siti.tap("setuju")
    siti.tap("Perajin")
    before = db_rows(kriya, Conversation)[0]
    siti.taps(consent_buttons[1][1])  # "I do not agree", from the first message
    after = db_rows(kriya, Conversation)[0]
    assert after.step == before.step == "registration:name_offer"
    assert after.answers == before.answers
    assert "sebelumnya" in siti.last()["text"]


def test_a_reaction_is_no_answer_and_the_question_stays_open(kriya, fake):
    siti = User_(kriya, fake)
    siti.says("/start")
    siti.tap("setuju")  # now: artisan or Lapas officer?
    [before] = db_rows(kriya, Conversation)
    replies, outbox = len(fake.sent(CHAT)), len(db_rows(kriya, OutboxMessage))
    for emoji in (["👍"], []):  # a thumbs-up on the question, then taken back
        uid = siti.update_id()
        response = siti._post({"update_id": uid, "message_reaction": {
            "chat": {"id": CHAT, "type": "private"}, "message_id": 7, "date": int(time.time()),
            "user": siti.who(), "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": e} for e in emoji]}})
        assert response.status_code == 200
    [after] = db_rows(kriya, Conversation)
    assert (after.step, after.answers, after.version) == \
        (before.step, before.answers, before.version)
    assert len(fake.sent(CHAT)) == replies and len(db_rows(kriya, OutboxMessage)) == outbox
    siti.tap("Perajin")  # the question still takes its answer
    assert db_rows(kriya, Conversation)[0].step == "registration:name_offer"


def test_a_user_who_blocked_the_bot_is_marked_unreachable(kriya, fake):
    siti = User_(kriya, fake)
    siti.says("/start")
    fake.blocked.add(CHAT)
    siti.tap("setuju")
    [blocked] = [m for m in db_rows(kriya, OutboxMessage) if m.status == "blocked"]
    assert "blocked" in (blocked.last_error or "")
    fake.blocked.clear()
    siti.tap("Perajin")  # they came back: writing again delivers again
    assert "nama" in siti.last()["text"].lower()


def test_blocking_reported_by_telegram_marks_a_registered_user(kriya, fake):
    siti = User_(kriya, fake)
    for step in ("/start", "1", "1", "Siti", "Batik Siti", "ntb", "Mataram", "4",
                 "081234567890", "1"):
        siti.says(step)
    uid = siti.update_id()
    siti._post({"update_id": uid, "my_chat_member": {
        "chat": {"id": CHAT, "type": "private"}, "from": siti.who(), "date": int(time.time()),
        "old_chat_member": {"status": "member", "user": {**siti.who(), "id": 777000,
                                                          "is_bot": True}},
        "new_chat_member": {"status": "kicked", "until_date": 0,
                            "user": {**siti.who(), "id": 777000, "is_bot": True}}}})
    [user] = db_rows(kriya, User)
    assert user.unreachable is True
    siti.says("menu")
    [user] = db_rows(kriya, User)
    assert user.unreachable is False


def test_flood_control_is_waited_out_and_the_reply_still_arrives(kriya, fake):
    siti = User_(kriya, fake)
    fake.flood = 1
    fake.retry_after = 1
    siti.says("/start")
    [row] = db_rows(kriya, OutboxMessage)
    assert row.status == "pending" and "retry after" in (row.last_error or "")
    [row] = eventually(lambda: db_rows(kriya, OutboxMessage), lambda r: r[0].status == "sent")
    assert row.status == "sent"
    assert "UU" in siti.last()["text"]


def test_ten_updates_of_one_user_at_once_are_handled_one_after_another(kriya, fake):
    siti = User_(kriya, fake)
    siti.says("/start")
    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(lambda _: siti.says("halo"), range(10)))
    assert [r.status_code for r in responses] == [200] * 10
    [conversation] = db_rows(kriya, Conversation)
    assert conversation.version == 11  # every update applied to the state the one before left
    assert len(fake.sent(CHAT)) == 11


def test_long_text_is_split_and_buttons_fit_in_64_bytes():
    pieces = split_text("baris\n" * 1500, TEXT_LIMIT)
    assert len(pieces) == 3 and all(len(p) <= 4096 for p in pieces)
    assert len(callback_data("finder:results", "p:" + "x" * 60, 3).encode()) <= 64


def picture(width: int, fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, 300), "orange").save(out, fmt)
    return out.getvalue()


def stored_sizes(client) -> list[tuple[int, int]]:
    """Sizes of the stored photos, thumbnails (at most 320 px) left out."""
    sizes = [Image.open(p).size for p in client.media.rglob("*.jpg")]
    return sorted(size for size in sizes if max(size) > 320)


def test_an_album_of_three_photos_is_one_answer_and_every_photo_is_fetched(kriya, fake):
    siti = User_(kriya, fake)
    siti.says("/start")
    siti.tap("setuju")
    siti.tap("Perajin")
    replies_before = len(fake.sent(CHAT))
    fake.files.update({f"p{n}": picture(400 + n) for n in range(3)})
    with ThreadPoolExecutor(max_workers=3) as pool:
        responses = list(pool.map(
            lambda n: siti.sends_photo(f"p{n}", 2000, album="album-1"), range(3)))
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len(fake.sent(CHAT)) == replies_before + 1  # one answer, one reply
    assert "tidak perlu foto" in siti.last()["text"].lower()  # this step takes no photo
    assert stored_sizes(kriya) == []  # so none of the album is kept
    fetched = [c.params["file_id"] for c in fake.calls if c.method == "getFile"]
    assert sorted(fetched) == ["p0", "p1", "p2"]  # the largest size, never the thumbnail


def test_an_image_sent_as_a_file_counts_as_a_photo(kriya, fake):
    siti = User_(kriya, fake)
    siti.says("/start")
    fake.files["doc1"] = picture(500, "PNG")
    siti.sends_photo("doc1", 9, as_document=True)
    # A photo, where consent takes none (a file that is not a photo is told so).
    assert "tidak perlu foto" in siti.last()["text"].lower()


def test_a_photo_over_20_mb_gets_a_clear_message(kriya, fake):
    siti = User_(kriya, fake)
    siti.says("/start")
    siti.sends_photo("huge", 25 * 1024 * 1024)
    assert "20 MB" in siti.last()["text"]
    assert "getFile" not in fake.methods()


def test_without_a_public_url_updates_are_long_polled(fake, database_url, tmp_path):
    fake.updates = [{"update_id": 9001, "message": {
        "message_id": 1, "date": int(time.time()), "text": "/start",
        "from": {"id": 5150, "is_bot": False, "first_name": "Budi"},
        "chat": {"id": 5150, "type": "private"}}}]
    config = Config(
        KRIYA_DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.api_base, TELEGRAM_FILE_BASE_URL=fake.file_base,
        KRIYA_MEDIA_DIR=str(tmp_path / "media"),
    )
    with ServerThread(create_app(config), free_port(), lifespan="on"):
        deadline = time.monotonic() + 10
        while not fake.sent(5150) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert "deleteWebhook" in fake.methods() and "setWebhook" not in fake.methods()
    assert "UU" in fake.sent(5150)[0]["text"]


def test_a_bad_request_is_recorded_with_its_reason_and_not_retried(kriya, fake):
    siti = User_(kriya, fake)
    fake.missing.add(CHAT)
    siti.says("/start")
    time.sleep(1.5)  # the dispatcher looks at the outbox every second
    [row] = db_rows(kriya, OutboxMessage)
    assert row.status == "failed" and "chat not found" in (row.last_error or "").lower()
    assert len([c for c in fake.calls if c.method == "sendMessage"]) == 1


def test_two_servers_on_one_database_apply_one_users_updates_in_turn(kriya, fake, tmp_path):
    """Behind a load balancer two `kriya serve` processes share the database; the row lock
    on the conversation, not anything in memory, keeps one user's updates in order."""
    other_config = Config(
        KRIYA_DATABASE_URL=str(kriya.app.state.database.url.render_as_string(
            hide_password=False)),
        KRIYA_PUBLIC_URL="https://kriya.example.id", TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_API_BASE_URL=fake.api_base,
        TELEGRAM_FILE_BASE_URL=fake.file_base, KRIYA_MEDIA_DIR=str(tmp_path / "media"),
    )
    port = free_port()
    with ServerThread(create_app(other_config), port, lifespan="on"), httpx.Client(
        base_url=f"http://127.0.0.1:{port}", timeout=20
    ) as other:
        first, second = User_(kriya, fake), User_(other, fake)
        first.says("/start")
        with ThreadPoolExecutor(max_workers=10) as pool:
            responses = list(pool.map(
                lambda n: (first if n % 2 else second).says("halo"), range(10)))
    assert [r.status_code for r in responses] == [200] * 10
    [conversation] = db_rows(kriya, Conversation)
    assert conversation.version == 11
    assert len(fake.sent(CHAT)) == 11


def test_photos_with_a_message_are_uploaded_as_an_album_above_it(kriya, fake):
    siti = User_(kriya, fake)
    siti.says("/start")
    store = MediaStore(kriya.media)
    paths = [store_photo(store, picture(400 + n)).path for n in range(2)]
    with Session(kriya.app.state.database) as session:
        session.add(OutboxMessage(channel="telegram", address=str(CHAT), kind="decision",
                                  payload={"text": "Produk untuk dikurasi", "media": paths},
                                  idempotency_key="with-photos"))
        session.commit()
    eventually(lambda: fake.methods(), lambda m: "sendMediaGroup" in m)
    [album] = [c for c in fake.calls if c.method == "sendMediaGroup"]
    attached = [item["media"] for item in album.params["media"]]
    assert len(attached) == 2 and all(a.startswith("attach://") for a in attached)
    uploads = [album.params[a.removeprefix("attach://")] for a in attached]
    assert [Image.open(io.BytesIO(u)).size for u in uploads] == [(400, 300), (401, 300)]
    # The text follows its photos.
    last = eventually(lambda: siti.last()["text"], lambda t: t == "Produk untuk dikurasi")
    assert last == "Produk untuk dikurasi"
    order = [c.method for c in fake.calls if c.method in ("sendMediaGroup", "sendMessage")]
    assert order[-2:] == ["sendMediaGroup", "sendMessage"]


def test_staff_get_a_programs_sign_ups_as_an_excel_file(kriya, fake):
    import openpyxl

    from conversations import programs
    from conversations.program_files import program_values
    from tests.conftest import START

    with Session(kriya.app.state.database) as session:
        programs.save(session, program_values({
            "id": "tei-2027", "kind": "pameran", "title": "Trade Expo Indonesia",
            "starts_at": "2027-10-13T09:00", "ends_at": "2027-10-17T17:00"}), START,
            "Asia/Jakarta")
        session.add(User(channel="telegram", address=str(CHAT), role="artisan", name="Dewi",
                         province="DKI Jakarta", staff_roles=["admin"], consent_at=START,
                         registered_at=START))
        session.commit()
    dewi = User_(kriya, fake)
    dewi.says("/program")
    eventually(dewi.buttons, lambda b: any("Trade Expo" in t for t, _ in b))
    dewi.tap("Trade Expo")
    eventually(dewi.buttons, lambda b: any("Excel" in t for t, _ in b))
    dewi.tap("Excel")
    eventually(fake.methods, lambda m: "sendDocument" in m)
    [upload] = [c.params for c in fake.calls if c.method == "sendDocument"]
    assert upload["document:filename"].startswith("pendaftar-tei-2027-")
    assert upload["document:filename"].endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(upload["document"])).active
    assert [c.value for c in sheet[1]][:3] == ["Nama", "Nama usaha", "Provinsi"]
    assert eventually(lambda: everything_said(fake), lambda t: "0 pendaftar" in t)


def everything_said(fake) -> str:
    return "\n".join(m["text"] for m in fake.sent(CHAT))


def test_a_sticker_as_first_message_starts_registration_and_0_is_a_button(kriya, fake):
    siti = User_(kriya, fake)
    uid = siti.update_id()
    siti._post({"update_id": uid, "message": {
        "message_id": uid, "date": int(time.time()), "from": siti.who(),
        "chat": {"id": CHAT, "type": "private", "first_name": "Siti"},
        "sticker": {"file_id": "CAACAg", "file_unique_id": "AgAD", "type": "regular",
                    "width": 512, "height": 512, "is_animated": False, "is_video": False}}})
    [consent] = eventually(lambda: fake.sent(CHAT), bool)
    assert "Apakah Anda setuju?" in consent["text"] and len(consent["text"]) <= 600
    siti.says("1")
    siti.says("perajin")
    asked = eventually(lambda: fake.sent(CHAT), lambda sent: len(sent) >= 3)[-1]
    buttons = [row[0]["text"] for row in asked["reply_markup"]["inline_keyboard"]]
    assert buttons[-1] == "# Kembali"  # Back has a key of its own; no Menu utama yet
