"""The console's Ringkasan, Pengguna, Staf and Log aktivitas pages: each office sees its
own provinces only, a viewer changes nothing, admins alone manage staff, and every change
is in the log."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlmodel import select

from conversations import audit, lapas
from conversations.photos import store_photo
from storage.access_models import AuditEntry, StaffSession
from storage.db import session_scope
from storage.media import MediaStore
from storage.models import Lapas, Product, User
from tests.console_helpers import csrf_of, log_in, make_staff, served, text_of

NTB, SUMSEL = "Nusa Tenggara Barat", "Sumatera Selatan"


@pytest.fixture
def console(database_url, tmp_path) -> Iterator[Any]:
    with served(database_url, tmp_path) as client:
        yield client


def artisan(database: Any, address: str, name: str, province: str, phone: str,
            business: str = "", photo_in: Any = None) -> tuple[int, int | None]:
    """A registered artisan, with one product waiting for curation when a media store is
    given (a real photo in it)."""
    with session_scope(database) as session:
        user = User(channel="telegram", address=address, role="artisan", name=name,
                    business_name=business, province=province, city="Mataram", phone=phone,
                    categories=["tenun"], registered_at=datetime.now(UTC) - timedelta(days=2))
        session.add(user)
        session.flush()
        product_id = None
        if photo_in is not None:
            data = io.BytesIO()
            Image.new("RGB", (900, 700), "orange").save(data, "JPEG")
            stored = store_photo(photo_in, data.getvalue())
            product = Product(owner_id=user.id, province=province, name=f"Tenun {name}",
                              category="tenun", materials="katun", size="2 m", price=750_000,
                              capacity=10, description="Tenun ikat",
                              photos=[{"path": stored.path, "thumb": stored.thumb}],
                              submitted_at=datetime.now(UTC) - timedelta(days=3))
            session.add(product)
            session.flush()
            product_id = product.id
        return user.id, product_id


def test_people_are_found_by_name_business_or_phone_within_the_office(console):
    admin = make_staff(console.database, "601", "admin", "disperindag-ntb", ("NTB",))
    siti, _ = artisan(console.database, "7001", "Siti Aminah", NTB, "+6281234567890",
                      "Tenun Lombok")
    artisan(console.database, "7002", "Siti Palembang", SUMSEL, "+6281298765432")
    log_in(console, console.database, admin)
    csrf = csrf_of(console.get("/console/").text)
    for typed in ("siti", "lombok", "0812 3456 7890"):
        found = console.post("/console/pengguna", data={"csrf": csrf, "q": typed})
        assert found.status_code == 200
        seen = text_of(found.text)
        assert "Siti Aminah" in seen, typed
        assert "Siti Palembang" not in seen, typed  # another province: out of reach
    assert "0812" not in str(found.url)  # the number stays out of the address
    assert console.get(f"/console/pengguna/{siti}").status_code == 200


def test_a_person_of_another_province_is_404_like_nobody(console):
    admin = make_staff(console.database, "602", "admin", "disperindag-ntb", ("NTB",))
    other, _ = artisan(console.database, "7003", "Rina", SUMSEL, "+6281211112222")
    log_in(console, console.database, admin)
    assert console.get(f"/console/pengguna/{other}").status_code == 404
    assert console.get("/console/pengguna/999999").status_code == 404
    assert console.get("/console/pengguna/abc").status_code == 404


def test_a_persons_page_shows_their_data_products_and_photos_to_staff_only(console):
    media = MediaStore(console.media)
    curator = make_staff(console.database, "603", "curator", "disperindag-ntb", ("NTB",))
    siti, product = artisan(console.database, "7004", "Siti <b>Aminah</b>", NTB,
                            "+6281234567890", photo_in=media)
    log_in(console, console.database, curator)
    page = console.get(f"/console/pengguna/{siti}")
    seen = text_of(page.text)
    assert "Siti <b>Aminah</b>" in seen  # escaped: shown as typed, never as markup
    assert "<b>Aminah</b>" not in page.text
    assert "0812-3456-7890" in seen and "Rp750.000" in seen and "menunggu" not in seen
    photos = re.findall(r'src="(/console/foto/[^"]+)"', page.text)
    assert photos
    image = console.get(photos[0])
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/")
    Image.open(io.BytesIO(image.content)).verify()
    tampered = re.sub(r"/foto/(\d+)/(\w)", lambda m: f"/foto/{m[1]}/{'0' if m[2] != '0' else '1'}",
                      photos[0])
    assert console.get(tampered).status_code == 404
    console.cookies.clear()
    assert console.get(photos[0], follow_redirects=False).status_code == 303


def test_the_summary_counts_only_the_offices_provinces(console):
    media = MediaStore(console.media)
    admin = make_staff(console.database, "604", "admin", "disperindag-ntb", ("NTB",))
    artisan(console.database, "7005", "Siti", NTB, "+6281200000001", photo_in=media)
    artisan(console.database, "7006", "Ani", NTB, "+6281200000002")
    artisan(console.database, "7007", "Rina", SUMSEL, "+6281200000003", photo_in=media)
    log_in(console, console.database, admin)
    seen = text_of(console.get("/console/").text)
    assert "2 pengguna terdaftar" in seen
    assert "1 produk menunggu kurasi" in seen and "yang terlama sudah 3 hari" in seen
    assert "Sumatera Selatan" not in seen and NTB in seen
    national = make_staff(console.database, "605", "viewer")
    console.cookies.clear()
    log_in(console, console.database, national)
    seen = text_of(console.get("/console/").text)
    assert "3 pengguna terdaftar" in seen and "2 produk menunggu kurasi" in seen


def test_staff_pages_are_for_admins_and_refuse_viewers_changes(console):
    viewer = make_staff(console.database, "606", "viewer", "disperindag-ntb", ("NTB",))
    log_in(console, console.database, viewer)
    assert console.get("/console/staf").status_code == 403
    assert console.get("/console/log").status_code == 403
    csrf = csrf_of(console.get("/console/").text)
    given = console.post("/console/staf/tambah", data={
        "csrf": csrf, "channel": "telegram", "address": "777", "role": "admin"})
    assert given.status_code == 403
    with session_scope(console.database) as session:
        assert session.exec(select(User).where(User.address == "777")).first() is None


def test_an_admin_gives_and_takes_roles_and_the_log_keeps_it(console):
    admin = make_staff(console.database, "607", "admin", "disperindag-ntb", ("NTB",), "Ayu")
    log_in(console, console.database, admin)
    csrf = csrf_of(console.get("/console/staf").text)
    bad = console.post("/console/staf/tambah", data={
        "csrf": csrf, "channel": "whatsapp", "address": "halo", "role": "curator"})
    assert bad.status_code == 400
    assert 'value="halo"' in bad.text and "Contoh" in text_of(bad.text)
    ok = console.post("/console/staf/tambah", data={
        "csrf": csrf, "channel": "telegram", "address": "608", "role": "curator"},
        follow_redirects=True)
    assert ok.status_code == 200 and "Peran sudah diberikan" in text_of(ok.text)
    with session_scope(console.database) as session:
        new = session.exec(select(User).where(User.address == "608")).one()
        assert new.office_id == "disperindag-ntb" and new.staff_roles == ["curator"]
    taken = console.post(f"/console/staf/{new.id}/cabut", data={"csrf": csrf, "role": "curator"},
                         follow_redirects=True)
    assert taken.status_code == 200 and "Peran sudah dicabut" in text_of(taken.text)
    log = text_of(console.get("/console/log").text)
    assert "staff.role_given" in log and "staff.role_taken" in log and "Ayu" in log
    assert "konsol" in log


def test_an_admin_of_another_office_cannot_touch_these_staff(console):
    ntb_admin = make_staff(console.database, "609", "admin", "disperindag-ntb", ("NTB",))
    sumsel_admin = make_staff(console.database, "610", "admin", "disperindag-sumsel",
                              ("Sumatera Selatan",))
    log_in(console, console.database, sumsel_admin)
    csrf = csrf_of(console.get("/console/staf").text)
    assert console.post(f"/console/staf/{ntb_admin}/cabut",
                        data={"csrf": csrf, "role": "admin"}).status_code == 404
    refused = console.post("/console/staf/tambah", data={
        "csrf": csrf, "channel": "telegram", "address": "609", "role": "curator"})
    assert refused.status_code == 400 and "kantor lain" in text_of(refused.text)
    with session_scope(console.database) as session:
        assert session.exec(select(User).where(User.address == "609")).one().staff_roles == \
            ["admin"]


def test_sessions_are_listed_and_an_admin_can_end_one(console):
    admin = make_staff(console.database, "611", "admin")
    curator = make_staff(console.database, "612", "curator")
    log_in(console, console.database, curator)
    curator_cookie = console.cookies["kriya_console"]
    console.cookies.clear()
    log_in(console, console.database, admin)
    page = console.get("/console/staf")
    with session_scope(console.database) as session:
        theirs = session.exec(select(StaffSession).where(StaffSession.user_id == curator)).one()
    assert f"/staf/sesi/{theirs.id}/akhiri" in page.text
    console.post(f"/console/staf/sesi/{theirs.id}/akhiri", data={"csrf": csrf_of(page.text)})
    console.cookies.set("kriya_console", curator_cookie, domain="127.0.0.1", path="/console")
    assert console.get("/console/", follow_redirects=False).status_code == 303


def test_lapas_codes_can_be_renewed_and_revoked(console):
    admin = make_staff(console.database, "613", "admin", "disperindag-ntb", ("NTB",))
    with session_scope(console.database) as session:
        mataram = lapas.add(session, "Lapas Mataram", NTB)
        palembang = lapas.add(session, "Lapas Palembang", SUMSEL)
        old = mataram.invite_code
    log_in(console, console.database, admin)
    page = console.get("/console/staf")
    assert "Lapas Mataram" in page.text and "Lapas Palembang" not in page.text
    csrf = csrf_of(page.text)
    assert console.post(f"/console/staf/lapas/{palembang.id}/kode-baru",
                        data={"csrf": csrf}).status_code == 404
    console.post(f"/console/staf/lapas/{mataram.id}/kode-baru", data={"csrf": csrf})
    with session_scope(console.database) as session:
        assert lapas.by_code(session, old) is None
        fresh = session.get(Lapas, mataram.id).invite_code
        assert lapas.by_code(session, fresh).id == mataram.id
    console.post(f"/console/staf/lapas/{mataram.id}/cabut-kode", data={"csrf": csrf})
    with session_scope(console.database) as session:
        assert lapas.by_code(session, fresh) is None
        assert not lapas.code_active(session.get(Lapas, mataram.id))
    assert "dicabut" in text_of(console.get("/console/staf").text)


def test_the_log_shows_only_the_offices_entries(console):
    admin = make_staff(console.database, "614", "admin", "disperindag-ntb", ("NTB",))
    with session_scope(console.database) as session:
        audit.record(session, None, audit.CLI, "program.imported", "program", "tei-2027",
                     office_id="pusat")
        audit.record(session, None, audit.CLI, "program.imported", "program", "ntb-expo",
                     office_id="disperindag-ntb")
        assert session.exec(select(AuditEntry)).all()
    log_in(console, console.database, admin)
    seen = text_of(console.get("/console/log").text)
    assert "ntb-expo" in seen and "tei-2027" not in seen


def test_the_only_admin_cannot_lock_the_office_out(console):
    admin = make_staff(console.database, "615", "admin", "disperindag-ntb", ("NTB",))
    log_in(console, console.database, admin)
    csrf = csrf_of(console.get("/console/staf").text)
    refused = console.post(f"/console/staf/{admin}/cabut", data={"csrf": csrf, "role": "admin"})
    assert refused.status_code == 400 and "satu-satunya administrator" in text_of(refused.text)
    assert console.get("/console/staf").status_code == 200  # still an admin
