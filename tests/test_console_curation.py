"""The console's Kurasi pages: the office's queue, a product judged with its photos at full
size and its history, decisions that reach the submitter in their language, and a hold
shared with the chat's /kurasi, where of two curators the first wins."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import text, update
from sqlmodel import select

from conversations import curation, lapas
from conversations.photos import store_photo
from storage.access_models import AuditEntry
from storage.db import session_scope
from storage.media import MediaStore
from storage.models import OutboxMessage, Product, User
from tests.console_helpers import csrf_of, log_in, make_staff, served, text_of

NTB, SUMSEL = "Nusa Tenggara Barat", "Sumatera Selatan"
NOTE = "Fotonya kurang terang, mohon foto ulang di siang hari."


@pytest.fixture
def console(database_url, tmp_path) -> Iterator[Any]:
    with served(database_url, tmp_path) as client:
        yield client


def picture(media: MediaStore, dark: bool = False) -> dict[str, Any]:
    """A real photo as the chat stores it: 1600 x 1200, with its thumbnail and advice."""
    image = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for x in range(100, 1500, 14):
        draw.line([(x, 100), (x, 1100)], fill=(180, 60, 30), width=4)
    if dark:
        image = image.point(lambda v: v // 8)
    data = io.BytesIO()
    image.save(data, "JPEG")
    stored = store_photo(media, data.getvalue())
    return {"path": stored.path, "thumb": stored.thumb, "fingerprint": stored.fingerprint,
            "advice": list(stored.advice)}


def submitted(database: Any, media: MediaStore | None, *, name: str, province: str = NTB,
              days: int = 3, address: str | None = None, language: str = "id",
              category: str = "tenun", lapas_id: int | None = None,
              code: str | None = None) -> int:
    """A product sent through the domain, as the chat sends it, `days` ago."""
    sent = datetime.now(UTC) - timedelta(days=days)
    with session_scope(database) as session:
        user = User(channel="telegram", address=address or f"a-{name}", name=f"Pak {name}",
                    role="lapas" if lapas_id else "artisan", lapas_id=lapas_id,
                    business_name=f"Usaha {name}", province=province, city="Mataram",
                    language=language, categories=[category], registered_at=sent)
        session.add(user)
        session.flush()
        photos = [picture(media), picture(media, dark=True)] if media else []
        product = curation.submit(session, user, {
            "name": name, "category": category, "materials": "benang katun",
            "size": "200 x 60 cm", "price": 750_000, "capacity": 10,
            "description": "Ditenun tangan", "photos": photos, "packaging_photo": None,
        }, sent, producer_code=code)
        assert product.id is not None
        return product.id


def product(database: Any, product_id: int) -> Product:
    with session_scope(database) as session:
        found = session.get(Product, product_id)
        assert found is not None
        session.expunge(found)
        return found


def decisions(database: Any) -> list[OutboxMessage]:
    with session_scope(database) as session:
        found = list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "decision")))
        for message in found:
            session.expunge(message)
        return found


def as_user(database: Any, user_id: int) -> User:
    with session_scope(database) as session:
        found = session.get(User, user_id)
        assert found is not None
        session.expunge(found)
        return found


def take(console: Any, product_id: int) -> Any:
    csrf = csrf_of(console.get("/console/kurasi").text)
    return console.post(f"/console/kurasi/{product_id}/nilai", data={"csrf": csrf},
                        follow_redirects=True)


def decide(console: Any, product_id: int, choice: str, note: str = "") -> Any:
    csrf = csrf_of(console.get("/console/kurasi").text)
    return console.post(f"/console/kurasi/{product_id}/putuskan",
                        data={"csrf": csrf, "keputusan": choice, "catatan": note},
                        follow_redirects=True)


def test_the_queue_is_the_offices_provinces_oldest_first_and_filters(console):
    media = MediaStore(console.media)
    with session_scope(console.database) as session:
        make_staff(console.database, "801", "curator", "disperindag-ntb", ("NTB",), "Dewi")
        workshop = lapas.add(session, "Lapas Mataram", NTB, office_id="disperindag-ntb")
        workshop_id = workshop.id
    curator = make_staff(console.database, "801", "curator", "disperindag-ntb")
    submitted(console.database, media, name="Songket Sukarara", days=5)
    submitted(console.database, None, name="Tas Ketak", days=2, category="anyaman",
              lapas_id=workshop_id, code="WB-017")
    submitted(console.database, None, name="Kain Palembang", province=SUMSEL, days=9)
    log_in(console, console.database, curator)
    page = console.get("/console/kurasi")
    assert page.status_code == 200
    seen = text_of(page.text)
    assert seen.index("Songket Sukarara") < seen.index("Tas Ketak")  # oldest first
    assert "Kain Palembang" not in seen  # another office's province
    assert "5 hari" in seen and "2 hari" in seen and "kode pembuat WB-017" in seen
    assert 'accesskey="n"' in page.text and "Kurasi" in seen  # next, and the nav link
    only_lapas = text_of(console.get("/console/kurasi?dari=lapas").text)
    assert "Tas Ketak" in only_lapas and "Songket Sukarara" not in only_lapas
    by_craft = text_of(console.get("/console/kurasi?jenis=tenun").text)
    assert "Songket Sukarara" in by_craft and "Tas Ketak" not in by_craft
    outside = text_of(console.get(f"/console/kurasi?provinsi={SUMSEL}").text)
    assert "Kain Palembang" not in outside
    # The summary's count of waiting products leads to this queue.
    assert 'href="/console/kurasi">produk menunggu kurasi</a>' in console.get("/console/").text


def test_a_product_page_shows_full_photos_advice_producer_code_and_history(console):
    media = MediaStore(console.media)
    with session_scope(console.database) as session:
        make_staff(console.database, "802", "curator", "disperindag-ntb", ("NTB",), "Dewi")
        workshop_id = lapas.add(session, "Lapas Mataram", NTB, office_id="disperindag-ntb").id
    curator = make_staff(console.database, "802", "curator", "disperindag-ntb")
    product_id = submitted(console.database, media, name="Tas Ketak", lapas_id=workshop_id,
                           code="WB-017")
    log_in(console, console.database, curator)
    page = console.get(f"/console/kurasi/{product_id}")
    seen = text_of(page.text)
    assert "Lapas Mataram" in seen and "WB-017" in seen and "Kode pembuat" in seen
    assert "Rp750.000" in seen and "benang katun" in seen and "200 x 60 cm" in seen
    assert "Foto 2 terlalu gelap" in seen  # the advice the officer was given
    assert "Dikirim untuk kurasi" in seen and "Pak Tas Ketak" in seen  # the history
    assert re.findall(r'href="#foto-(\d)"', page.text) == ["1", "2"]
    full = re.findall(r'id="foto-1".*?<img src="([^"]+)"', page.text, re.S)[0]
    stored = product(console.database, product_id).photos[0]
    assert full.endswith(stored["path"])  # the full picture, not its thumbnail
    with Image.open(io.BytesIO(console.get(full).content)) as image:
        assert image.width == 1600
    assert "Nilai produk ini" in seen and 'name="keputusan"' not in page.text  # not held yet


def test_accept_revise_and_reject_tell_each_submitter_in_their_language(console):
    curator = make_staff(console.database, "803", "curator", "disperindag-ntb", ("NTB",),
                         "Dewi")
    first = submitted(console.database, None, name="Songket", address="a-1", days=3)
    second = submitted(console.database, None, name="Gelang", address="a-2", days=2,
                       language="en")
    third = submitted(console.database, None, name="Topi", address="a-3", days=1)
    log_in(console, console.database, curator)
    for product_id, choice, note in ((first, "terima", ""), (second, "revisi", NOTE),
                                     (third, "tolak", "Bahannya plastik, bukan kriya.")):
        held = take(console, product_id)
        assert held.status_code == 200 and 'accesskey="a"' in held.text, held.text
        done = decide(console, product_id, choice, note)
        assert done.status_code == 200 and "sudah diberi tahu" in text_of(done.text)
    texts = {m.address: m.payload["text"] for m in decisions(console.database)}
    assert "diterima kurator" in texts["a-1"]
    assert "needs some changes" in texts["a-2"] and NOTE in texts["a-2"]  # reads English
    assert "Catatan kurator: Bahannya plastik" in texts["a-3"]
    statuses = [product(console.database, p).status for p in (first, second, third)]
    assert statuses == ["accepted", "needs_revision", "rejected"]
    with session_scope(console.database) as session:  # Gelang is changed and sent again
        owner = session.exec(select(User).where(User.address == "a-2")).one()
        sent_back = session.get(Product, second)
        values = {field: getattr(sent_back, field) for field in curation.FIELDS}
        assert curation.resubmit(session, owner, second, values, datetime.now(UTC))
    history = text_of(console.get(f"/console/kurasi/{second}").text)
    assert "Dikembalikan untuk perbaikan" in history and NOTE in history and "Dewi" in history
    assert history.index("Dikirim untuk kurasi") < history.index("Dikembalikan") < \
        history.index("Dikirim lagi setelah diperbaiki")
    with session_scope(console.database) as session:
        logged = session.exec(select(AuditEntry).where(AuditEntry.action == "product.decided"))
        assert {entry.via for entry in logged} == {"console"}


def test_a_hold_is_shared_between_the_chat_and_the_console(console):
    ayu = make_staff(console.database, "804", "curator", "disperindag-ntb", ("NTB",), "Ayu")
    budi = make_staff(console.database, "805", "curator", "disperindag-ntb", name="Budi")
    older = submitted(console.database, None, name="Songket", days=4)
    newer = submitted(console.database, None, name="Gelang", days=1)
    log_in(console, console.database, ayu)
    assert take(console, older).status_code == 200
    chatting = as_user(console.database, budi)
    with session_scope(console.database) as session:  # Budi, in the chat's /kurasi
        chat_took = curation.take_next(session, chatting, datetime.now(UTC))
        assert chat_took is not None and chat_took.id == newer  # not Ayu's
        assert curation.take_next(session, chatting, datetime.now(UTC),
                                  exclude=[newer]) is None
    page = text_of(console.get(f"/console/kurasi/{newer}").text)
    assert "Sedang dinilai oleh Budi sampai" in page and "WITA" in page
    queue = text_of(console.get("/console/kurasi").text)
    assert "Sedang dinilai oleh Budi" in queue and "sedang Anda nilai sampai" in queue
    refused = take(console, newer)
    assert refused.status_code == 409 and "Sedang dinilai oleh Budi" in text_of(refused.text)


def test_next_takes_the_oldest_of_the_kind_asked_and_skipping_lets_go(console):
    curator = make_staff(console.database, "812", "curator", "disperindag-ntb", ("NTB",))
    oldest = submitted(console.database, None, name="Songket", days=6)
    anyaman = submitted(console.database, None, name="Tikar", days=4, category="anyaman")
    newest = submitted(console.database, None, name="Selendang", days=1)
    log_in(console, console.database, curator)
    csrf = csrf_of(console.get("/console/kurasi").text)
    crafted = console.post("/console/kurasi/berikutnya", follow_redirects=True,
                           data={"csrf": csrf, "jenis": "anyaman"})
    assert crafted.url.path == f"/console/kurasi/{anyaman}"
    assert "Dicadangkan untuk Anda sampai" in text_of(crafted.text)
    first = console.post("/console/kurasi/berikutnya", data={"csrf": csrf},
                         follow_redirects=True)
    assert first.url.path == f"/console/kurasi/{oldest}"
    skipped = console.post("/console/kurasi/berikutnya", follow_redirects=True,
                           data={"csrf": csrf, "kecuali": str(oldest)})
    assert skipped.url.path == f"/console/kurasi/{anyaman}"  # still held for this curator
    assert product(console.database, oldest).status == "submitted"  # let go for others
    assert product(console.database, newest).status == "submitted"
    none = console.post("/console/kurasi/berikutnya", follow_redirects=True,
                        data={"csrf": csrf, "dari": "lapas"})
    assert "tidak ada produk yang menunggu Anda" in text_of(none.text)


def test_of_two_curators_the_first_wins_and_the_second_keeps_their_note(console):
    ayu = make_staff(console.database, "806", "curator", "disperindag-ntb", ("NTB",), "Ayu")
    budi = make_staff(console.database, "807", "curator", "disperindag-ntb", name="Budi")
    product_id = submitted(console.database, None, name="Songket", address="a-9")
    log_in(console, console.database, ayu)
    assert take(console, product_id).status_code == 200
    budi_user = as_user(console.database, budi)
    with session_scope(console.database) as session:  # Ayu's hold runs out
        session.execute(update(Product).where(Product.id == product_id)
                        .values(claimed_until=datetime.now(UTC) - timedelta(minutes=1)))
        assert curation.take(session, product_id, budi_user, datetime.now(UTC))[1] == "ok"
    late = decide(console, product_id, "revisi", NOTE)
    assert late.status_code == 409
    seen = text_of(late.text)
    assert "tidak tercatat" in seen and "Sedang dinilai oleh Budi" in seen and NOTE in seen
    with session_scope(console.database) as session:
        decided, _ = curation.decide(session, product_id, budi_user,
                                     curation.ProductStatus.ACCEPTED, None, datetime.now(UTC),
                                     "Asia/Jakarta")
        assert decided is not None
    again = decide(console, product_id, "tolak", NOTE)
    assert again.status_code == 409
    seen = text_of(again.text)
    assert "Budi memutuskan" in seen and "diterima" in seen and NOTE in seen
    assert len(decisions(console.database)) == 1


def test_viewers_and_other_roles_cannot_decide_and_another_office_gets_404(console):
    viewer = make_staff(console.database, "808", "viewer", "disperindag-ntb", ("NTB",))
    caster = make_staff(console.database, "809", "broadcaster", "disperindag-ntb")
    other = make_staff(console.database, "810", "curator", "disperindag-sumsel", (SUMSEL,))
    product_id = submitted(console.database, None, name="Songket")
    log_in(console, console.database, viewer)
    looked = console.get("/console/kurasi")
    assert looked.status_code == 200 and "Songket" in text_of(looked.text)
    assert "/nilai" not in looked.text and "berikutnya" not in looked.text
    assert take(console, product_id).status_code == 403
    assert decide(console, product_id, "terima").status_code == 403
    console.cookies.clear()
    log_in(console, console.database, caster)
    assert console.get("/console/kurasi").status_code == 403
    assert 'href="/console/kurasi"' not in console.get("/console/").text
    console.cookies.clear()
    log_in(console, console.database, other)
    assert console.get(f"/console/kurasi/{product_id}").status_code == 404
    assert take(console, product_id).status_code == 404
    assert decide(console, product_id, "terima").status_code == 404
    assert product(console.database, product_id).status == "submitted"


def test_a_revision_without_a_note_is_refused_beside_the_field_and_kept(console):
    curator = make_staff(console.database, "811", "curator", "disperindag-ntb", ("NTB",))
    product_id = submitted(console.database, None, name="Songket")
    log_in(console, console.database, curator)
    take(console, product_id)
    for typed in ("", "ok<b"):
        refused = decide(console, product_id, "revisi", typed)
        assert refused.status_code == 400
        assert 'class="error"' in refused.text and "paling sedikit 5 karakter" in refused.text
        assert f'name="catatan" maxlength="1000" aria-invalid="true" aria-describedby=' \
               f'"catatan-salah">{typed.replace("<", "&lt;").replace(">", "&gt;")}' \
               f'</textarea>' in refused.text
    assert product(console.database, product_id).status == "in_review"
    assert decisions(console.database) == []


def test_the_history_starts_with_what_existing_products_tell(tmp_path):
    """A database from before the history: each product gets its sending, and its latest
    decision with the curator's note."""
    from alembic import command

    from storage.db import _alembic_config, make_engine

    database = make_engine(f"sqlite:///{tmp_path}/old.db")
    command.upgrade(_alembic_config(database), "0011")
    with database.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (channel, address, staff_roles, categories, language, opted_out,"
            " unreachable, created_at, updated_at) VALUES ('telegram', '1', '[]', '[]', 'id', 0,"
            " 0, '2027-01-01 00:00:00', '2027-01-01 00:00:00')"))
        for n, (status, decided) in enumerate((("submitted", None),
                                               ("needs_revision", "2027-01-05 00:00:00"))):
            conn.execute(text(
                "INSERT INTO products (owner_id, province, name, category, materials, size, "
                "price, capacity, description, photos, status, curator_note, decided_by, "
                "submitted_at, decided_at, created_at, updated_at) VALUES (1, 'Bali', :name, "
                "'tenun', 'katun', '2 m', 1000, 1, '-', '[]', :status, :note, :by, "
                "'2027-01-02 00:00:00', :decided, '2027-01-02 00:00:00', "
                "'2027-01-02 00:00:00')"),
                {"name": f"P{n}", "status": status, "decided": decided,
                 "note": NOTE if decided else None, "by": 1 if decided else None})
    command.upgrade(_alembic_config(database), "head")
    with database.connect() as conn:
        rows = conn.execute(text("SELECT product_id, kind, actor_id, note FROM "
                                 "product_events ORDER BY product_id, at")).all()
    assert [tuple(row) for row in rows] == [(1, "submitted", 1, None), (2, "submitted", 1, None),
                                            (2, "revise", 1, NOTE)]
    database.dispose()
