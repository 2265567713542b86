"""Sending products for curation and seeing them, as artisans and Lapas officers do."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from sqlmodel import select

from conversations import lapas
from conversations.answers import parse_rupiah
from conversations.messages import Photo
from conversations.photos import store_photo
from storage.db import session_scope
from storage.media import MediaStore
from storage.models import Product
from tests.conftest import Chat


@pytest.fixture
def media(tmp_path) -> MediaStore:
    return MediaStore(tmp_path / "media")


def photo(media: MediaStore, shade: int = 0, dark: bool = False,
          size: tuple[int, int] = (1600, 1200)) -> Photo:
    """A photo as a channel hands it over: stored through the Pillow checks."""
    picture = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(picture)
    for x in range(400 + shade * 7, 1200, 12):
        draw.line([(x, 200), (x, 1000)], fill=(180, 60 + shade * 40, 30), width=4)
    for y in range(200, 1000, 12 + shade):
        draw.line([(400, y), (1200, y)], fill=(40, 80, 160), width=2)
    if dark:
        picture = picture.point(lambda v: v // 8)
    out = io.BytesIO()
    picture.save(out, "JPEG")
    stored = store_photo(media, out.getvalue())
    return Photo(ref=stored.path, mime="image/jpeg", thumb=stored.thumb,
                 fingerprint=stored.fingerprint, advice=stored.advice)


def products(conversations) -> list[Product]:
    with session_scope(conversations.database) as session:
        return list(session.exec(select(Product).order_by(Product.id)))


def answer_up_to_photos(chat: Chat, price: str = "1,5 jt") -> None:
    chat.say("kirim produk")
    assert chat.step == "product:name"
    for answer in ("Kain Tenun Songket Subahnale", "tenun", "benang katun, pewarna alam",
                   "200 x 60 cm", price, "20 lembar",
                   "Ditenun tangan di Sukarara dengan motif Subahnale, dua minggu selembar."):
        chat.say(answer)
    assert chat.step == "product:photos", chat.text


def test_an_artisan_sends_a_product_and_sees_it_submitted(chat: Chat, conversations, media):
    chat.register_artisan()
    answer_up_to_photos(chat)
    chat.say(photos=(photo(media, 0), photo(media, 1, dark=True), photo(media, 2)))
    # Advice, not refusal: the step moves on, and says what would help the curator.
    assert "Foto 2 terlalu gelap: coba di dekat jendela" in chat.text
    assert chat.step == "product:packaging"
    chat.say("lewati")
    assert chat.step == "product:confirm"
    summary = chat.text
    for shown in ("Kain Tenun Songket Subahnale", "Tenun", "Rp1.500.000", "20 buah per bulan",
                  "3 foto", "200 x 60 cm"):
        assert shown in summary
    chat.say("1")
    assert "dikurasi" in chat.text and chat.step == "menu:choose"
    [product] = products(conversations)
    assert (product.name, product.category, product.price, product.capacity) == (
        "Kain Tenun Songket Subahnale", "tenun", 1_500_000, 20)
    assert product.status == "submitted" and product.lapas_id is None
    assert product.province == "Nusa Tenggara Barat" and product.packaging_photo is None
    assert [p["path"] for p in product.photos] == [p["path"] for p in product.photos if
                                                   media.path(p["path"]).exists()]
    assert len(product.photos) == 3
    chat.say("produk saya")
    assert chat.options[:2] == ["Kirim produk baru", "Kain Tenun Songket Subahnale (diajukan)"]
    chat.say("2")
    assert "Status: diajukan" in chat.text and "Rp1.500.000" in chat.text


@pytest.mark.parametrize(("typed", "rupiah"), [
    ("Rp150.000", 150_000), ("150rb", 150_000), ("150.000", 150_000), ("1,5 jt", 1_500_000),
    ("150000", 150_000), ("Rp 75.000,-", 75_000), ("2 juta", 2_000_000), ("150k", 150_000),
    ("Rp 1.250.000,00", 1_250_000), ("IDR 90.000", 90_000),
])
def test_prices_as_sellers_write_them(typed, rupiah):
    assert parse_rupiah(typed) == rupiah


@pytest.mark.parametrize("typed", ["murah", "15.00.0", "1,5", "Rp", "-5"])
def test_what_is_not_a_price(typed):
    assert parse_rupiah(typed) is None


def test_a_wrong_price_is_asked_again_and_nothing_is_lost(chat: Chat, conversations):
    chat.register_artisan()
    chat.say("kirim produk")
    for answer in ("Gelang Mutiara", "perhiasan", "mutiara air laut, perak", "18 cm"):
        chat.say(answer)
    chat.say("murah saja")
    assert chat.step == "product:price" and "Rp150.000" in chat.text
    chat.say("150rb")
    assert chat.step == "product:capacity"
    chat.say("banyak")
    assert chat.step == "product:capacity" and "angka" in chat.text


def test_an_unfinished_product_is_kept_as_a_draft_and_resumes(chat: Chat, conversations):
    chat.register_artisan()
    chat.say("kirim produk")
    chat.say("Gelang Mutiara")
    chat.say("perhiasan")
    chat.say("menu")  # off to something else
    assert chat.step == "menu:choose"
    chat.say("cari program")
    chat.say("menu")
    chat.wait(days=3)
    chat.say("kirim produk")
    assert chat.step == "product:materials" and "belum selesai" in chat.text
    chat.say("batal")
    assert "Buang isian ini?" in chat.text and "ketik menu" in chat.text  # asked first
    chat.say("1")  # thrown away on purpose
    assert "Data yang sudah Anda ketik tidak disimpan." in chat.text
    chat.say("kirim produk")
    assert chat.step == "product:name"


def test_the_same_photo_twice_is_kept_once_and_cannot_be_the_packaging(chat, conversations, media):
    chat.register_artisan()
    answer_up_to_photos(chat)
    same = photo(media, 0)
    chat.say(photos=(same, photo(media, 1), same))
    assert "disimpan satu saja" in chat.text and chat.step == "product:packaging"
    chat.say(photos=(same,))
    assert chat.step == "product:packaging" and "foto produk" in chat.text
    chat.say(photos=(photo(media, 3),))
    assert chat.step == "product:confirm" and "2 foto" in chat.text


def test_photos_are_required_and_at_most_five(chat: Chat, conversations, media):
    chat.register_artisan()
    answer_up_to_photos(chat)
    chat.say("nanti saja")
    assert chat.step == "product:photos" and "1 sampai 5 foto" in chat.text
    chat.say(photos=tuple(photo(media, n) for n in range(6)))
    assert chat.step == "product:photos" and "paling banyak 5" in chat.text


def test_a_field_is_changed_from_the_summary(chat: Chat, conversations, media):
    chat.register_artisan()
    answer_up_to_photos(chat, price="150rb")
    chat.say(photos=(photo(media, 0),))
    chat.say("lewati")
    chat.say("ubah")
    chat.say("harga")
    assert chat.step == "product:price"
    chat.say("Rp175.000")
    assert chat.step == "product:confirm" and "Rp175.000" in chat.text
    chat.say("kirim")
    assert products(conversations)[0].price == 175_000


def register_officer(conversations, address: str, lapas_code: str, name: str) -> Chat:
    officer = Chat(conversations, address=address)
    for answer in ("halo", "1", "petugas lapas", lapas_code, name, "0813 1111 2222", "1"):
        officer.say(answer)
    assert officer.step == "menu:choose", officer.text
    return officer


def test_lapas_officers_name_makers_by_code_and_see_only_their_lapas(conversations, media):
    with session_scope(conversations.database) as session:
        mataram = lapas.add(session, "Lapas Kelas IIA Mataram", "Nusa Tenggara Barat")
        other = lapas.add(session, "Lapas Kelas I Surabaya", "Jawa Timur")
        codes = (mataram.invite_code, other.invite_code)
    budi = register_officer(conversations, "officer-1", codes[0], "Budi Santoso")
    budi.say("kirim produk")
    assert budi.step == "product:producer_code" and "WB-017" in budi.text
    budi.say("Ahmad Fauzi")  # a person's name: refused
    assert budi.step == "product:producer_code" and "nama orang" in budi.text
    budi.say("wb 17")
    for answer in ("Tas Anyaman Ketak", "anyaman", "ketak", "30 x 20 cm", "250rb", "15",
                   "Dianyam di bengkel kerja Lapas dari ketak Lombok."):
        budi.say(answer)
    budi.say(photos=(photo(media, 0),))
    budi.say("lewati")
    assert "Kode pembuat: WB-17" in budi.text
    budi.say("1")
    [product] = products(conversations)
    assert product.producer_code == "WB-17" and product.lapas_id is not None
    assert "Ahmad" not in str(product.model_dump())

    colleague = register_officer(conversations, "officer-2", codes[0], "Sri Wahyuni")
    colleague.say("produk saya")
    assert "Tas Anyaman Ketak (diajukan)" in colleague.options  # same Lapas: shown
    stranger = register_officer(conversations, "officer-3", codes[1], "Joko Susilo")
    stranger.say("produk saya")
    assert not any("Tas Anyaman" in option for option in stranger.options)
    artisan = Chat(conversations, address="artisan-9")
    artisan.register_artisan()
    artisan.say("produk saya")
    assert "belum mengirim" in artisan.text


def test_a_draft_left_during_a_change_returns_to_the_summary(chat: Chat, conversations, media):
    chat.register_artisan()
    answer_up_to_photos(chat)
    chat.say(photos=(photo(media, 0),))
    chat.say("lewati")
    chat.say("ubah")
    chat.say("harga")
    chat.say("menu")
    chat.say("kirim produk")
    assert chat.step == "product:price"
    chat.say("Rp175.000")
    assert chat.step == "product:confirm" and "Rp175.000" in chat.text


def test_a_conversation_saved_before_the_upgrade_goes_on_where_it_was(chat: Chat, conversations):
    """Rows written in the older layout (one dict, the engine's own keys starting with _)
    are read as they were meant: the answers, a draft kept, the step an edit returns to."""
    from storage.models import Conversation

    chat.register_artisan()
    chat.say("kirim produk")
    chat.say("Gelang Mutiara")
    with session_scope(conversations.database) as session:
        row = session.exec(select(Conversation)).one()
        assert row.answers["answers"] == {"producer_code": "-", "name": "Gelang Mutiara"}
        row.answers = {"producer_code": "-", "name": "Gelang Mutiara", "_tries": 1, "_drafts": {
            "my_products": {"step": "pick", "answers": {"pick": "1"}}}}
    chat.say("perhiasan")
    assert chat.step == "product:materials"
    for answer in ("mutiara air laut, perak", "18 cm", "150rb", "10",
                   "Gelang mutiara dari Lombok, dirangkai tangan."):
        chat.say(answer)
    assert chat.step == "product:photos"
    with session_scope(conversations.database) as session:
        state = session.exec(select(Conversation)).one().answers
    assert state["answers"]["name"] == "Gelang Mutiara" and "tries" not in state
    assert state["drafts"] == {"my_products": {"step": "pick", "answers": {"pick": "1"}}}
