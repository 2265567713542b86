"""The staff console in a real browser, as an office works in it: an admin opens the login
link from the chat, makes a program through the form, finds it in the list and an artisan
finds it in the chat, moves its deadline and the chat shows the new one; a colleague of
another office cannot open it. Every page visited is saved as a screenshot.

With KRIYA_README_SCREENSHOT set, the Ringkasan screenshot is also written to
docs/console-ringkasan.png, the picture in the README."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, Page, expect

from conversations import offices
from conversations.context import Settings
from conversations.engine import Conversations
from conversations.flows import FLOWS
from storage.db import session_scope
from storage.models import Product, Registration, User
from tests.conftest import Chat
from tests.console_helpers import link_for, make_staff

ROOT = Path(__file__).resolve().parents[2]
NTB = "Nusa Tenggara Barat"
TITLE = "Pameran Tenun Lombok 2027"


def log_in(page: Page, kriya_site, user_id: int) -> None:
    page.goto(f"/console/login/{link_for(kriya_site.database, user_id)}")
    expect(page.get_by_role("heading", name="Masuk ke konsol Kriya")).to_be_visible()
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(kriya_site.url("/console/"))


def assert_shows_content(path: Path) -> None:
    """A screenshot of a page laid out, not a blank one."""
    assert path.is_file() and path.stat().st_size > 15_000, path
    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=100_000)
    assert colours is None or len(colours) > 50, f"{path.name} is nearly blank"


def a_busy_week(database) -> None:
    """People of the office's province, a product waiting, and sign-ups over the last days,
    so the summary has something to show."""
    now = datetime.now(UTC)
    with session_scope(database) as session:
        people = []
        for n, (name, channel) in enumerate([("Siti Aminah", "whatsapp"), ("Baiq Nurul",
                                             "whatsapp"), ("Lalu Ahmad", "telegram")]):
            person = User(channel=channel, address=f"62817000{n}", role="artisan", name=name,
                          province=NTB, city="Mataram", categories=["tenun"],
                          registered_at=now - timedelta(days=n * 4))
            session.add(person)
            people.append(person)
        session.flush()
        session.add(Product(owner_id=people[0].id, province=NTB, name="Kain Songket Sukarara",
                            category="tenun", materials="benang katun", size="200 x 60 cm",
                            price=1_250_000, capacity=8, description="Songket tenun tangan",
                            submitted_at=now - timedelta(days=2)))


def sign_ups_over_ten_days(database, program_id: str) -> None:
    """Artisans of the province who signed up for the program, a few each day."""
    now = datetime.now(UTC)
    with session_scope(database) as session:
        for n in range(14):
            person = User(channel="whatsapp" if n % 3 else "telegram", address=f"62818000{n}",
                          role="artisan", name=f"Perajin {n + 1}", province=NTB,
                          city="Lombok Tengah", categories=["tenun"],
                          registered_at=now - timedelta(days=12))
            session.add(person)
            session.flush()
            session.add(Registration(program_id=program_id, user_id=person.id,
                                     party=f"user:{person.id}", seq=n + 1, status="confirmed",
                                     signed_up_at=now - timedelta(days=(n * 7) % 10, hours=1)))


def artisan_chat(kriya_site) -> Chat:
    conversations = Conversations(kriya_site.database, FLOWS, Settings(
        default_zone="Asia/Jakarta", media_dir=kriya_site.config.media_dir))
    person = Chat(conversations, address="819990001", channel="telegram")
    person.register_artisan(province="ntb", name="Siti Aminah")
    return person


def fill_program(page: Page) -> None:
    page.get_by_label("Id").fill("pameran-tenun-lombok-2027")
    page.get_by_label("Title").or_(page.get_by_label("Judul")).first.fill(TITLE)
    page.locator("#kind").select_option("pameran")
    page.locator("#organiser").fill("Disperindag NTB")
    page.locator("#venue").fill("Taman Budaya NTB, Mataram")
    page.locator("#province").select_option(NTB)
    page.locator("#starts_at").fill("2027-06-10 09:00")
    page.locator("#ends_at").fill("2027-06-12 17:00")
    page.locator("#registration_deadline").fill("2027-05-20 23:59")
    page.locator("#quota").fill("30")


def test_an_office_makes_a_program_the_chat_finds_and_another_office_cannot_open(
        page: Page, browser: Browser, kriya_site, screenshot):
    with session_scope(kriya_site.database) as session:
        offices.add(session, "Disperindag NTB", "disperindag-ntb", ["NTB"])
    admin = make_staff(kriya_site.database, "41001", "admin", "disperindag-ntb", ("NTB",),
                       "Ayu Lestari")
    a_busy_week(kriya_site.database)
    log_in(page, kriya_site, admin)
    expect(page.get_by_role("heading", name="Ringkasan · Disperindag NTB")).to_be_visible()
    expect(page.get_by_text("pengguna terdaftar", exact=True)).to_be_visible()
    expect(page.get_by_text("produk menunggu kurasi", exact=False).first).to_be_visible()
    assert_shows_content(screenshot(page, "ringkasan"))

    page.get_by_role("link", name="Program", exact=True).click()
    assert_shows_content(screenshot(page, "program-kosong"))
    page.goto("/console/program/baru")
    page.locator("#title").fill(TITLE)
    page.get_by_role("button", name="Simpan").click()  # nothing else: errors beside fields
    expect(page.locator(".error").first).to_be_visible()
    expect(page.locator("#title")).to_have_value(TITLE)  # what was typed stays
    assert_shows_content(screenshot(page, "program-baru-salah"))
    fill_program(page)
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    assert_shows_content(screenshot(page, "program-baru"))
    program_url = page.url

    page.goto("/console/program")
    page.get_by_label("Cari").or_(page.locator("input[name=q]")).first.fill("tenun lombok")
    page.locator("input[name=q]").press("Enter")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    assert_shows_content(screenshot(page, "program-cari"))

    siti = artisan_chat(kriya_site)
    siti.say("pameran tenun")
    assert any(TITLE in option for option in siti.options), siti.options
    siti.say(next(o for o in siti.options if TITLE in o))
    assert "20 Mei 2027" in siti.text, siti.text

    page.goto(program_url)
    page.get_by_role("link", name="Ubah").first.click()
    page.locator("#registration_deadline").fill("2027-05-27 23:59")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("27 Mei 2027").first).to_be_visible()
    assert_shows_content(screenshot(page, "program-diubah"))
    siti.say("0")
    siti.say("pameran tenun")
    siti.say(next(o for o in siti.options if TITLE in o))
    assert "27 Mei 2027" in siti.text and "20 Mei 2027" not in siti.text, siti.text

    for path, name in (("/console/pengguna", "pengguna"), ("/console/staf", "staf"),
                       ("/console/log", "log")):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_shows_content(screenshot(page, name))
    expect(page.get_by_text("program").first).to_be_visible()  # the log names the changes

    other = make_staff(kriya_site.database, "41002", "admin", "disperindag-sumsel",
                       ("Sumatera Selatan",), "Rudi")
    stranger = browser.new_context(base_url=kriya_site.base_url, locale="id-ID")
    try:
        theirs = stranger.new_page()
        log_in(theirs, kriya_site, other)
        response = theirs.goto(program_url.removeprefix(kriya_site.base_url))
        assert response is not None and response.status == 404
        expect(theirs.get_by_role("heading", name="Halaman tidak ditemukan")).to_be_visible()
        expect(theirs.get_by_text(TITLE)).to_have_count(0)
        theirs.goto("/console/program")
        expect(theirs.get_by_text(TITLE)).to_have_count(0)
        assert_shows_content(screenshot(theirs, "kantor-lain-404"))
    finally:
        stranger.close()

    sign_ups_over_ten_days(kriya_site.database, "pameran-tenun-lombok-2027")
    page.goto("/console/")
    expect(page.get_by_text("pendaftaran program yang berlaku")).to_be_visible()
    expect(page.locator("svg rect.bar")).to_have_count(14)
    summary = screenshot(page, "ringkasan-sibuk")
    assert_shows_content(summary)
    if os.environ.get("KRIYA_README_SCREENSHOT"):
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copy(summary, ROOT / "docs" / "console-ringkasan.png")
