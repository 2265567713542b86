"""The privacy notice (/privasi) as a reader's browser shows it: in Indonesian, in English,
the link between them, and on a phone's narrow screen."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from conversations import privacy
from conversations.i18n import translator

ID, EN = translator("id", "Asia/Jakarta"), translator("en", "Asia/Jakarta")


def headings_of(page: Page) -> list[str]:
    return [text.strip() for text in page.get_by_role("heading", level=2).all_inner_texts()]


def assert_a_real_picture(path: Path, width: int) -> None:
    """A PNG of the page as laid out: the viewport's width, longer than one screen, and
    text on it (a blank or broken page is a handful of colours)."""
    assert path.is_file() and path.stat().st_size > 20_000, path
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width == width and image.height > 1_000
        colours = image.convert("RGB").getcolors(maxcolors=100_000)
    assert colours is None or len(colours) > 50, "the screenshot is nearly blank"


def test_the_notice_reads_in_indonesian_and_its_link_switches_to_english(
        page: Page, kriya_site, screenshot):
    page.goto("/privasi")
    expect(page).to_have_title("Pemberitahuan Privasi Kriya")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pemberitahuan Privasi Kriya")
    expect(page.get_by_role("heading", name="Data yang kami simpan")).to_be_visible()
    assert headings_of(page) == [section.title for section in privacy.sections(ID)]
    expect(page.get_by_text("What we keep")).to_have_count(0)
    assert_a_real_picture(screenshot(page), 1280)

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(kriya_site.url("/privasi?lang=en"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kriya privacy notice")
    assert headings_of(page) == [section.title for section in privacy.sections(EN)]

    page.get_by_role("link", name="Bahasa Indonesia").click()
    expect(page).to_have_url(kriya_site.url("/privasi"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pemberitahuan Privasi Kriya")


def test_the_english_notice_opens_from_its_own_address(page: Page, screenshot):
    page.goto("/privasi?lang=en")
    expect(page).to_have_title("Kriya privacy notice")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="What we keep")).to_be_visible()
    expect(page.get_by_text("Law No. 27 of 2022 on Personal Data Protection")).to_be_visible()
    expect(page.get_by_role("link", name="Bahasa Indonesia")).to_be_visible()
    expect(page.get_by_text("Data yang kami simpan")).to_have_count(0)
    shot = screenshot(page)
    assert shot.name == "01-privasi-lang-en.png"
    assert_a_real_picture(shot, 1280)


def test_the_notice_fits_a_phone_screen_without_sideways_scrolling(new_context, screenshot):
    phone = new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                        has_touch=True, device_scale_factor=2)
    page = phone.new_page()
    page.goto("/privasi")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot = screenshot(page, "privasi on a phone")
    assert shot.name == "01-privasi-on-a-phone.png"
    assert_a_real_picture(shot, 720)  # 360 CSS pixels at twice the density
