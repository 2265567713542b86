"""The Pendaftar page in a real browser: an organiser ticks two applicants and marks them
lolos, undoes one of the decisions, and downloads the list as an Excel file that holds
what the page shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from conversations import offices, programs, signups
from storage.db import session_scope
from storage.models import User
from tests.browser.test_console import NTB, assert_shows_content, log_in
from tests.console_helpers import make_staff

OFFICE = "disperindag-ntb"


def a_selection_with_three_applicants(database) -> None:
    now = datetime.now(UTC)
    with session_scope(database) as session:
        offices.add(session, "Disperindag NTB", OFFICE, ["NTB"])
        programs.save(session, {
            "id": "seleksi-desain-2027", "kind": "seleksi", "title": "Seleksi Desain Kemasan",
            "organiser": "Disperindag NTB", "venue": "Hotel Lombok Raya, Mataram",
            "province": NTB, "timezone": "Asia/Makassar", "quota": 2, "office_id": OFFICE,
            "starts_at": now + timedelta(days=40), "ends_at": now + timedelta(days=41),
            "registration_deadline": now + timedelta(days=30)}, now, "Asia/Jakarta")
        for n, name in enumerate(("Siti Aminah", "Baiq Nurul", "Lalu Ahmad")):
            person = User(channel="whatsapp", address=f"62817100{n}", role="artisan",
                          name=name, business_name=f"Tenun {name.split()[0]}", province=NTB,
                          city="Mataram", categories=["tenun"],
                          registered_at=now - timedelta(days=9))
            session.add(person)
            session.flush()
            signups.sign_up(session, "seleksi-desain-2027", person, route=None,
                            product_ids=[], notes="", now=now - timedelta(hours=3 - n))


def test_an_organiser_selects_two_undoes_one_and_downloads_the_list(
        page: Page, kriya_site, screenshot, tmp_path):
    a_selection_with_three_applicants(kriya_site.database)
    admin = make_staff(kriya_site.database, "42001", "admin", OFFICE, ("NTB",), "Ayu Lestari")
    log_in(page, kriya_site, admin)
    page.goto("/console/program/seleksi-desain-2027")
    page.get_by_role("link", name="Lihat pendaftar").click()
    expect(page.get_by_role("heading", name="Pendaftar · Seleksi Desain Kemasan")).to_be_visible()
    expect(page.locator("tbody").get_by_text("mendaftar, menunggu seleksi")).to_have_count(3)
    assert_shows_content(screenshot(page, "pendaftar"))

    page.get_by_label("Centang Siti Aminah").check()
    page.get_by_label("Centang Baiq Nurul").check()
    page.locator("button[name=lolos][value=centang]").click()
    expect(page.get_by_role("status")).to_contain_text("Ditandai lolos: 2.")
    expect(page.get_by_role("button", name="Batalkan keputusan")).to_have_count(2)
    assert_shows_content(screenshot(page, "pendaftar-lolos"))

    page.get_by_role("row").filter(has_text="Baiq Nurul").get_by_role(
        "button", name="Batalkan keputusan").click()
    expect(page.get_by_role("status")).to_contain_text("Keputusan dibatalkan")
    expect(page.get_by_role("button", name="Batalkan keputusan")).to_have_count(1)
    expect(page.get_by_label("Centang Baiq Nurul")).to_be_visible()  # waiting again

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Unduh sebagai Excel (XLSX)").click()
    download = waiting.value
    assert download.suggested_filename.startswith("pendaftar-seleksi-desain-2027-")
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = load_workbook(saved).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    name, status = header.index("Nama"), header.index("Status")
    assert [(r[name], r[status]) for r in rows] == [
        ("Siti Aminah", "lolos"), ("Baiq Nurul", "mendaftar, menunggu seleksi"),
        ("Lalu Ahmad", "mendaftar, menunggu seleksi")]
