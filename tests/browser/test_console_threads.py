"""Tanya petugas end to end: an artisan asks in the chat, a staff member of their
province's office answers on the console's Pesan page in a real browser, and the answer
is what the artisan's chat gets next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from conversations import offices, sending
from conversations.context import Settings
from conversations.engine import Conversations
from conversations.flows import FLOWS
from storage.db import session_scope
from tests.browser.test_console import assert_shows_content, log_in
from tests.conftest import Chat
from tests.console_helpers import make_staff

QUESTION = "Apakah stan di Pameran Tenun Lombok gratis?"
ANSWER = "Gratis untuk perajin NTB. Daftar sebelum 20 Mei."


def test_a_question_from_the_chat_is_answered_in_the_console_and_reaches_the_chat(
        page: Page, kriya_site, screenshot):
    with session_scope(kriya_site.database) as session:
        offices.add(session, "Disperindag NTB", "disperindag-ntb", ["NTB"])
    admin = make_staff(kriya_site.database, "42001", "admin", "disperindag-ntb", ("NTB",),
                       "Ayu Lestari")
    siti = Chat(Conversations(kriya_site.database, FLOWS, Settings(
        default_zone="Asia/Jakarta", media_dir=kriya_site.config.media_dir)),
        address="819990002", channel="telegram")
    siti.now = datetime.now(UTC) - timedelta(hours=3)  # the console reads the wall clock
    siti.register_artisan(province="ntb", name="Siti Aminah")
    siti.say("tanya petugas")
    siti.say(QUESTION)
    assert "Terkirim ke Disperindag NTB" in siti.text, siti.text

    log_in(page, kriya_site, admin)
    expect(page.get_by_text("pertanyaan dari Tanya petugas yang masih terbuka")).to_be_visible()
    page.get_by_role("link", name="Pesan", exact=True).click()
    assert_shows_content(screenshot(page, "pesan"))
    page.get_by_role("link", name="Siti Aminah").click()
    expect(page.get_by_text(QUESTION)).to_be_visible()
    expect(page.get_by_text("menunggu jawaban selama 2 jam")).to_be_visible()
    page.get_by_role("button", name="Kirim jawaban").click()  # empty: said beside the field
    expect(page.locator(".error")).to_contain_text("Silakan tulis jawaban")
    page.get_by_label("Jawaban Anda").fill(ANSWER)
    page.get_by_role("button", name="Kirim jawaban").click()
    expect(page.get_by_role("status")).to_contain_text("Jawaban Anda sudah dikirim")
    expect(page.get_by_text(ANSWER)).to_be_visible()
    assert_shows_content(screenshot(page, "pesan-dijawab"))

    with session_scope(kriya_site.database) as session:
        waiting = sending.ready_for(session, "telegram", "819990002", datetime.now(UTC))
        texts = [message.payload["text"] for message in waiting]
    assert any(ANSWER in text and "Disperindag NTB" in text for text in texts), texts
