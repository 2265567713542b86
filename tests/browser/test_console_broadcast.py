"""A broadcast from the console in a real browser: a petugas siaran of Disperindag NTB
writes an announcement for NTB, counts its recipients, sends it now, and watches its page
until the outbox's dispatcher (against the Bot API stand-in) has sent it to everyone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from storage.db import session_scope
from storage.models import User
from tests.browser.test_console import assert_shows_content, log_in
from tests.conftest import eventually
from tests.console_helpers import make_staff
from tests.fake_telegram import FakeTelegram, ServerThread, free_port

NTB = "Nusa Tenggara Barat"
TEXT = "Pelatihan pewarna alam untuk tenun dibuka. Lihat menu Cari program."


@pytest.fixture
def bot_api() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(port=free_port())
    with ServerThread(fake.app(), fake.port):
        yield fake


@pytest.fixture
def kriya_settings(bot_api: FakeTelegram) -> dict[str, str]:
    """Telegram through the stand-in; no quiet hours: the test runs at any hour."""
    return {"TELEGRAM_BOT_TOKEN": bot_api.token, "TELEGRAM_API_BASE_URL": bot_api.api_base,
            "TELEGRAM_FILE_BASE_URL": bot_api.file_base, "KRIYA_QUIET_HOURS": "off"}


def artisans_in(database, province: str, count: int, first: int = 7100) -> None:
    now = datetime.now(UTC)
    with session_scope(database) as session:
        session.add_all(User(channel="telegram", address=str(first + n), role="artisan",
                             name=f"Perajin {n}", province=province, categories=["tenun"],
                             consent_at=now, registered_at=now - timedelta(days=1))
                        for n in range(count))


def test_a_broadcaster_sends_to_a_province_and_watches_it_reach_everyone(
        page: Page, kriya_site, bot_api: FakeTelegram, screenshot):
    dewi = make_staff(kriya_site.database, "42001", "broadcaster", "disperindag-ntb",
                      ("NTB",), "Dewi Penyiar")
    artisans_in(kriya_site.database, NTB, 3)
    artisans_in(kriya_site.database, "Papua", 1, first=7200)  # outside the office's reach
    log_in(page, kriya_site, dewi)

    page.get_by_role("link", name="Siaran", exact=True).click()
    page.get_by_role("link", name="Siaran baru").click()
    page.locator("#text").fill(TEXT)
    page.get_by_label(NTB).check()
    page.get_by_role("button", name="Hitung penerima / Pratinjau").click()
    expect(page.locator("#recipients")).to_have_text("Jumlah penerima: 3 orang")
    expect(page.locator("#text")).to_have_value(TEXT)  # the form came back whole
    expect(page.get_by_label(NTB)).to_be_checked()
    assert_shows_content(screenshot(page, "siaran-pratinjau"))

    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(page.get_by_text("Siaran sudah masuk antrean")).to_be_visible()
    eventually(lambda: len(bot_api.sent()), lambda n: n >= 3)  # the dispatcher's work
    page.reload()
    expect(page.locator("#count-sent")).to_have_text("3")
    expect(page.locator("#count-waiting")).to_have_text("0")
    expect(page.get_by_text("selesai").first).to_be_visible()
    assert {int(call["chat_id"]) for call in bot_api.sent()} == {7100, 7101, 7102}
    assert_shows_content(screenshot(page, "siaran-terkirim"))
