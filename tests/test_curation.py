"""Curators at work: the queue, holds two curators cannot share, decisions that reach the
submitter, and nobody else at /kurasi."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from conversations import curation
from storage import users
from storage.db import session_scope
from storage.media import MediaStore
from storage.models import OutboxMessage, Product, User, utcnow
from tests.conftest import Chat, together
from tests.test_products import answer_up_to_photos, photo, products

NOTE = "Fotonya kurang terang, mohon foto ulang di siang hari."


@pytest.fixture
def media(tmp_path) -> MediaStore:
    return MediaStore(tmp_path / "media")


def submit(chat: Chat, media: MediaStore, name: str = "Kain Tenun Songket") -> None:
    answer_up_to_photos(chat)
    chat.say(photos=(photo(media, 0), photo(media, 1)))
    chat.say("lewati")
    chat.say("ubah")
    chat.say("nama produk")
    chat.say(name)
    chat.say("kirim")
    assert chat.step == "menu:choose", chat.text


def artisan(conversations, address: str, province: str = "ntb", name: str = "Siti Aminah") -> Chat:
    person = Chat(conversations, address=address)
    person.register_artisan(province=province, name=name)
    return person


def curator(conversations, address: str) -> Chat:
    staff = Chat(conversations, address=address)
    staff.register_artisan(name="Dewi Kurator")
    with session_scope(conversations.database) as session:
        user = users.at(session, "terminal", address)
        session.add(user)
        user.staff_roles = ["curator"]
    return staff


def decisions(conversations) -> list[OutboxMessage]:
    with Session(conversations.database) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "decision")))


def send_back(conversations) -> Chat:
    """A curator who asks for a revision of the only waiting product, with NOTE."""
    dewi = curator(conversations, "c-1")
    for answer in ("/kurasi", "semua", "revisi", NOTE, "selesai"):
        dewi.say(answer)
    return dewi


def test_only_curators_open_the_queue_and_others_are_told_politely(conversations):
    siti = artisan(conversations, "a-1")
    siti.say("kirim produk")
    siti.say("/kurasi")
    assert "hanya untuk kurator" in siti.text
    assert siti.step == "product:name"  # nothing changed


def test_a_curator_accepts_and_the_submitter_hears_in_their_language(conversations, media):
    siti = artisan(conversations, "a-1")
    submit(siti, media)
    dewi = curator(conversations, "c-1")
    dewi.say("/kurasi")
    assert "1 produk menunggu" in dewi.text
    dewi.say("semua")
    assert dewi.step == "curation:review"
    review = dewi.last
    assert "Kain Tenun Songket" in review.text and "Rp1.500.000" in review.text
    assert "Dari Tenun Ikat Sasak, Kota Mataram" in review.text
    [product] = products(conversations)
    assert review.media == tuple(p["path"] for p in product.photos)  # the photos, shown
    assert product.status == "in_review"
    dewi.say("terima")
    assert "Tercatat" in dewi.text and "tidak ada produk yang menunggu" in dewi.text
    [product] = products(conversations)
    with Session(conversations.database) as session:
        dewi_id = users.at(session, "terminal", "c-1").id
    assert (product.status, product.decided_by, product.claimed_by) == ("accepted", dewi_id, None)
    [told] = decisions(conversations)
    assert told.address == "a-1" and "diterima kurator" in told.payload["text"]
    siti.say("produk saya")
    assert "Kain Tenun Songket (diterima)" in siti.options


def test_a_revision_or_rejection_carries_the_curators_note(conversations, media):
    siti = artisan(conversations, "a-1")
    submit(siti, media, "Tas Ketak")
    budi = artisan(conversations, "a-2", name="Budi Santoso")
    submit(budi, media, "Gelang Mutiara")
    with session_scope(conversations.database) as session:  # Budi reads English
        session.execute(User.__table__.update().where(User.address == "a-2")
                        .values(language="en"))
    dewi = curator(conversations, "c-1")
    dewi.say("/kurasi")
    dewi.say("1")
    assert "Tas Ketak" in dewi.text  # oldest first
    dewi.say("revisi")
    assert dewi.step == "curation:note"
    dewi.say("ok")  # too short to help anyone
    assert dewi.step == "curation:note"
    dewi.say(NOTE)
    assert "Gelang Mutiara" in dewi.text
    dewi.say("tolak")
    dewi.say("Mutiara plastik tidak sesuai kurasi kriya.")
    by_name = {p.name: p for p in products(conversations)}
    assert by_name["Tas Ketak"].status == "needs_revision"
    assert by_name["Tas Ketak"].curator_note == NOTE
    assert by_name["Gelang Mutiara"].status == "rejected"
    texts = {m.address: m.payload["text"] for m in decisions(conversations)}
    assert "Catatan kurator: Fotonya kurang terang" in texts["a-1"]
    assert "was not accepted" in texts["a-2"]  # Budi reads English
    siti.say("produk saya")
    siti.say("2")
    assert "Status: perlu perbaikan" in siti.text and "Catatan kurator" in siti.text


def test_two_curators_at_once_never_get_the_same_product(conversations, media):
    for n in range(2):
        siti = artisan(conversations, f"a-{n}", name=f"Siti Aminah {'ab'[n]}")
        submit(siti, media, f"Produk {n}")
    dewi, rina = curator(conversations, "c-1"), curator(conversations, "c-2")
    for staff in (dewi, rina):
        staff.say("/kurasi")
        staff.say("semua")
    assert "Produk 0" in dewi.text and "Produk 1" in rina.text
    rina.say("lewati")  # skipped, not decided: back in the queue for others
    assert "tidak ada produk yang menunggu" in rina.text
    dewi.say("terima")
    assert "Produk 1" in dewi.text


def test_of_many_curators_claiming_one_product_at_once_exactly_one_holds_it(conversations, media):
    submit(artisan(conversations, "a-1"), media)
    [product] = products(conversations)
    with session_scope(conversations.database) as session:
        ids = []
        for n in range(6):
            user = User(channel="terminal", address=f"cur-{n}", staff_roles=["curator"])
            session.add(user)
            session.flush()
            ids.append(user.id)
    won: list[int] = []

    def reach(curator_id: int) -> None:
        with session_scope(conversations.database) as session:
            taken = curation.take_next(session, session.get(User, curator_id), utcnow())
            if taken is not None and taken.id == product.id:
                won.append(curator_id)

    assert together(reach, ids) == []
    assert len(won) == 1
    assert products(conversations)[0].claimed_by == won[0]


def test_an_abandoned_hold_runs_out_and_a_late_decision_records_nothing(conversations, media):
    submit(artisan(conversations, "a-1"), media)
    dewi, rina = curator(conversations, "c-1"), curator(conversations, "c-2")
    dewi.say("/kurasi")
    dewi.say("semua")
    with session_scope(conversations.database) as session:  # 31 minutes pass
        session.execute(Product.__table__.update().values(
            claimed_until=utcnow() - timedelta(minutes=1)))
    rina.say("/kurasi")
    rina.say("semua")
    assert "Kain Tenun Songket" in rina.text  # free again
    dewi.say("terima")
    assert "sudah habis" in dewi.text
    rina.say("terima")
    [product] = products(conversations)
    assert product.status == "accepted"
    assert len(decisions(conversations)) == 1


def test_the_queue_can_be_narrowed_to_a_province(conversations, media):
    submit(artisan(conversations, "a-1", province="ntb"), media, "Tenun Lombok")
    made = artisan(conversations, "a-2", province="bali", name="Made Wirawan")
    submit(made, media, "Ukiran Bali")
    dewi = curator(conversations, "c-1")
    dewi.say("/kurasi")
    dewi.say("provinsi")
    dewi.say("Bali")
    assert "Ukiran Bali" in dewi.text and "Tenun Lombok" not in dewi.text
    dewi.say("lewati")
    assert "tidak ada produk yang menunggu" in dewi.text  # Lombok is not in Bali's queue


def test_an_artisan_never_sees_another_artisans_products(conversations, media):
    submit(artisan(conversations, "a-1"), media, "Milik Siti")
    budi = artisan(conversations, "a-2", name="Budi Santoso")
    budi.say("produk saya")
    assert "belum mengirim" in budi.text
    budi.say("1")  # even a guessed number shows nothing of Siti's
    assert "Milik Siti" not in budi.text


def test_a_product_sent_back_is_changed_and_sent_again(conversations, media):
    siti = artisan(conversations, "a-1")
    submit(siti, media, "Tas Ketak")
    dewi = send_back(conversations)
    [before] = products(conversations)
    assert before.status == "needs_revision"
    siti.say("produk saya")
    siti.say("2")
    assert "Ubah dan kirim lagi" in siti.options
    siti.say("ubah")
    assert siti.step == "product:confirm" and NOTE in siti.text  # the summary, with the note
    siti.say("ubah")
    siti.say("harga")
    siti.say("Rp175.000")
    siti.say("kirim")
    assert "dikirim untuk dikurasi lagi" in siti.text
    [after] = products(conversations)  # the same product, not a second one
    assert (after.id, after.status, after.price) == (before.id, "submitted", 175_000)
    dewi.say("/kurasi")
    dewi.say("semua")
    assert "Tas Ketak" in dewi.text and "Catatan sebelumnya" in dewi.text


def test_only_a_product_sent_back_can_be_changed(conversations, media):
    siti = artisan(conversations, "a-1")
    submit(siti, media)
    siti.say("produk saya")
    siti.say("1")
    assert "Ubah dan kirim lagi" not in siti.options  # still waiting: not to be changed


def test_nobody_curates_their_own_product(conversations, media):
    dewi = curator(conversations, "c-1")
    submit(dewi, media, "Karya Dewi")
    dewi.say("/kurasi")
    assert "0 produk menunggu" in dewi.text
    dewi.say("semua")
    assert "tidak ada produk yang menunggu" in dewi.text


def test_a_curator_who_steps_away_finds_their_held_product_again(conversations, media):
    submit(artisan(conversations, "a-1"), media)
    dewi = curator(conversations, "c-1")
    dewi.say("/kurasi")
    dewi.say("semua")
    dewi.say("menu")  # called away, the product still held
    dewi.say("/kurasi")
    assert "1 produk menunggu" in dewi.text
    dewi.say("semua")
    assert "Kain Tenun Songket" in dewi.text


def test_revising_a_product_leaves_a_new_products_draft_alone(conversations, media):
    siti = artisan(conversations, "a-1")
    submit(siti, media, "Tas Ketak")
    send_back(conversations)
    siti.say("kirim produk")
    siti.say("Gelang Mutiara")  # a new one, half way
    siti.say("menu")
    siti.say("produk saya")
    siti.say("1")
    siti.say("ubah")
    siti.say("menu")  # the revision left too
    siti.say("kirim produk")
    assert siti.step == "product:category" and "belum selesai" in siti.text
