"""Kurasi in a real browser: an artisan sends a product with real photos through the chat,
a curator of the office opens the queue, opens the product, follows a thumbnail to the
photo at full size, asks for a revision with a note, and the note
reaches the artisan's chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect
from sqlmodel import select

from conversations import offices
from storage.db import session_scope
from storage.media import MediaStore
from storage.models import OutboxMessage
from storage.photos import THUMB_SIDE
from tests.browser.test_console import artisan_chat, assert_shows_content, log_in
from tests.console_helpers import make_staff
from tests.test_products import answer_up_to_photos, photo

NOTE = "Fotonya kurang terang, mohon foto ulang di siang hari."


def test_a_curator_judges_a_photo_at_full_size_and_the_artisan_hears_the_note(
        page: Page, kriya_site, screenshot):
    with session_scope(kriya_site.database) as session:
        offices.add(session, "Disperindag NTB", "disperindag-ntb", ["NTB"])
    curator = make_staff(kriya_site.database, "42001", "curator", "disperindag-ntb",
                         ("NTB",), "Dewi Kurator")
    siti = artisan_chat(kriya_site)
    siti.now = datetime.now(UTC) - timedelta(days=3, hours=1)  # sent three days ago
    media = MediaStore(kriya_site.config.media_dir)
    answer_up_to_photos(siti)
    siti.say(photos=(photo(media, 0), photo(media, 1, dark=True)))
    siti.say("lewati")
    siti.say("kirim")
    assert siti.step == "menu:choose", siti.text

    log_in(page, kriya_site, curator)
    page.get_by_role("link", name="Kurasi", exact=True).click()
    expect(page.get_by_text("3 hari")).to_be_visible()
    assert_shows_content(screenshot(page, "antrean"))
    page.get_by_role("link", name="Kain Tenun Songket Subahnale").click()
    page.get_by_role("button", name="Nilai produk ini").click()
    expect(page.get_by_text("Dicadangkan untuk Anda sampai")).to_be_visible()

    page.locator('a[href="#foto-2"]').click()
    assert page.url.endswith("#foto-2")
    full = page.locator("#foto-2 img")
    expect(full).to_be_in_viewport()
    expect(full).to_have_js_property("complete", True)
    assert full.evaluate("img => img.naturalWidth") > THUMB_SIDE
    expect(page.locator("#foto-2")).to_contain_text("Foto 2 terlalu gelap")
    assert_shows_content(screenshot(page, "foto-penuh"))

    page.locator("#catatan").fill(NOTE)
    # Its keyboard shortcut (Alt+R in Chrome) is the revision button's accesskey; a key
    # pressed through the driver carries no text for the browser to match it with.
    revise = page.locator('button[accesskey="r"]')
    expect(revise).to_contain_text("Minta perbaikan")
    revise.click()
    expect(page.get_by_text("dikembalikan untuk perbaikan dengan catatan Anda")).to_be_visible()
    assert_shows_content(screenshot(page, "sesudah-keputusan"))

    with session_scope(kriya_site.database) as session:
        [told] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "decision"))
        assert told.address == siti.address and NOTE in told.payload["text"]
    siti.say("produk saya")
    siti.say(next(o for o in siti.options if "Kain Tenun Songket" in o))
    assert "perlu perbaikan" in siti.text and NOTE in siti.text, siti.text
