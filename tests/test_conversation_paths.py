"""Conversations that real people finish: first contact, free text at the main menu, keys
that never move, no lost work, saying what was understood, and staff with a way forward."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from conversations import staff as staff_roles
from storage.db import session_scope
from storage.media import MediaStore
from storage.models import User
from tests.conftest import Chat
from tests.test_finder import add_programs, program
from tests.test_products import answer_up_to_photos, photo
from tests.test_signups import sign_up_for

MOST = 600


@pytest.fixture
def media(tmp_path) -> MediaStore:
    return MediaStore(tmp_path / "media")


def numbers(chat: Chat) -> dict[str, str]:
    """The options of the last message by the key shown beside them."""
    return {option.number: option.label for option in chat.last.options}


def the_user(conversations, address: str = "6281234567890") -> User:
    with Session(conversations.database) as session:
        return session.exec(select(User).where(User.address == address)).one()


# First contact


def test_any_first_message_starts_registration_with_a_consent_that_fits_a_screen(conversations):
    for n, first in enumerate(("P", "halo min", "mulai", "MULAI", "daftar", "menu", "/start",
                               None)):
        chat = Chat(conversations, address=f"62811000000{n}")
        chat.say(first)  # None: a sticker, or anything else without words
        assert chat.step == "registration:consent", (first, chat.text)
        [consent] = chat.replies  # one message, the welcome and the question together
        assert consent.shown_length() <= MOST and "Apakah Anda setuju?" in consent.text, first


def test_info_shows_the_whole_notice_in_screens_and_asks_again_in_short(chat: Chat):
    chat.say("halo")
    chat.say("info")
    assert len(chat.replies) >= 3 and "3 x 24 jam" in chat.text
    assert all(reply.shown_length() <= MOST for reply in chat.replies)
    assert chat.last.text == "Apakah Anda setuju? Balas 1 jika setuju, 2 jika tidak."
    chat.say("1")
    assert chat.step == "registration:role"


def test_a_misunderstood_consent_answer_gets_one_short_line_and_oke_agrees(chat: Chat):
    chat.say("halo")
    chat.say("halo min")
    assert chat.text == "Balas 1 jika setuju, 2 jika tidak."
    assert chat.step == "registration:consent"
    chat.say("oke")
    assert chat.step == "registration:role"


def test_help_during_consent_fits_a_screen_and_the_question_stays(chat: Chat):
    chat.say("halo")
    chat.say("bantuan")
    assert chat.step == "registration:consent"
    assert "batal" in chat.text
    assert all(reply.shown_length() <= MOST for reply in chat.replies)


# Free text at the main menu


def test_a_greeting_at_the_menu_shows_the_menu_by_name(chat: Chat):
    chat.register_artisan()
    chat.say("selamat pagi")
    assert chat.step == "menu:choose"
    assert chat.text.startswith("Halo, Siti Aminah. Silakan pilih menu:")


def test_plain_requests_at_the_menu_go_straight_to_matching_programs(chat: Chat, conversations):
    add_programs(conversations,
                 program("expo", 10, kind="pameran", title="Pameran Kriya Nusantara"),
                 program("batik", 11, kind="pelatihan", title="Pelatihan Batik Tulis"),
                 program("karet", 12, kind="pelatihan", title="Pelatihan Kerajinan Karet"))
    chat.register_artisan()
    chat.say("saya mau daftar pameran")
    assert chat.step == "finder:results"
    assert [o for o in chat.options if o.startswith("P")] == [
        o for o in chat.options if o.startswith("Pameran Kriya Nusantara")]
    chat.say("0")
    chat.say("info pelatihan")
    titles = {o.split(" (")[0] for o in chat.options if o.startswith("Pelatihan")}
    assert titles == {"Pelatihan Batik Tulis", "Pelatihan Kerajinan Karet"}
    chat.say("menu")
    chat.say("cari pelatihan karet")  # every word counts
    assert [o.split(" (")[0] for o in chat.options if o.startswith("P")] == [
        "Pelatihan Kerajinan Karet"]
    chat.say("0")
    chat.say("satu")  # a number in words is a number
    assert chat.step == "finder:how"


def test_words_that_name_nothing_at_the_menu_get_an_example(chat: Chat):
    chat.register_artisan()
    chat.say("xyzzy qwerty")
    assert chat.step == "menu:choose"
    assert "Balas dengan angka 1-8" in chat.text and "pameran" in chat.text


# Keys that never move


def test_zero_is_the_main_menu_on_every_screen_and_hash_goes_back(chat: Chat, conversations):
    add_programs(conversations, program("expo", 10, kind="pameran"))
    chat.register_artisan()
    for answer in ("cari program", "1", "1"):
        chat.say(answer)
        assert numbers(chat)["0"] == "Menu utama", chat.step
    assert chat.step == "finder:detail"
    assert numbers(chat)["#"] == "Kembali" and numbers(chat)["1"] == "Daftar sekarang"
    chat.say("#")
    assert chat.step == "finder:results"
    chat.say("#")
    assert chat.step == "finder:how"
    chat.say("0")
    assert chat.step == "menu:choose" and "0" not in numbers(chat)


def test_back_returns_to_the_question_before_during_registration(chat: Chat):
    for answer in ("halo", "1", "1", "Siti", "Batik Siti"):
        chat.say(answer)
    assert chat.step == "registration:province"
    chat.say("#")
    assert chat.step == "registration:business"
    chat.say("Batik Siti Lestari")
    chat.say("ntb")
    assert chat.step == "registration:city"


def test_an_answer_from_an_earlier_screen_is_refused_with_the_current_question(
        chat: Chat, conversations):
    add_programs(conversations, program("expo", 10, kind="pameran"))
    chat.register_artisan()
    chat.say("cari program")
    chat.say("1")
    chat.say("1")
    assert chat.step == "finder:detail"
    chat.say("3")  # a number of the list before: nothing here has it
    assert chat.step == "finder:detail"
    assert "Balas 1." in chat.text


# No lost work


def test_menu_keeps_a_draft_says_so_and_the_menu_offers_it(chat: Chat):
    chat.register_artisan()
    chat.say("kirim produk")
    chat.say("Mangkuk Batok")
    chat.say("batok")
    chat.say("0")
    assert chat.step == "menu:choose"
    assert "Draf Anda disimpan" in chat.text
    assert "Kirim produk: lanjutkan draf Mangkuk Batok" in chat.text
    chat.say("kirim produk")
    assert chat.step == "product:materials"


def test_after_an_hour_away_a_valid_answer_is_taken_and_a_greeting_is_not(chat: Chat):
    for answer in ("halo", "1", "1", "Siti"):
        chat.say(answer)
    chat.wait(hours=2)
    chat.say("Batik Siti")
    assert chat.step == "registration:province"
    chat.wait(hours=2)
    chat.say("halo")
    assert chat.step == "registration:province"
    assert "Anda sedang mengisi Pendaftaran di Kriya" in chat.text


def test_a_flow_closed_after_a_week_is_explained(chat: Chat):
    chat.register_artisan()
    chat.say("kirim produk")
    chat.say("Mangkuk Batok")
    chat.wait(days=8)
    chat.say("halo")
    assert "lebih dari 7 hari" in chat.text and "draf" in chat.text
    assert chat.step == "menu:choose"


# Saying what was understood


def test_an_interpreted_answer_is_confirmed_with_the_next_question(chat: Chat):
    for answer in ("halo", "1", "1", "Siti", "Batik Siti"):
        chat.say(answer)
    chat.say("jawa tengh")
    assert len(chat.replies) == 1
    assert chat.text.startswith("Provinsi: Jawa Tengah ✔")
    assert chat.step == "registration:city"
    chat.say("Jateng")  # a province again, not a city
    assert chat.step == "registration:city" and "provinsi" in chat.text
    chat.say("kota semarang")
    assert "Kota Semarang ✔" in chat.text


def test_a_typed_price_is_confirmed(chat: Chat):
    chat.register_artisan()
    chat.say("kirim produk")
    for answer in ("Mangkuk Batok", "batok", "batok kelapa", "15 x 8 cm"):
        chat.say(answer)
    chat.say("150rb")
    assert "Rp150.000 ✔" in chat.text


# My data


def test_editing_crafts_adds_and_removes(chat: Chat, conversations):
    chat.register_artisan()  # crafts 3 and 4
    before = the_user(conversations).categories
    chat.say("data saya")
    chat.say("ubah")
    chat.say("jenis kerajinan")
    assert chat.step == "profile:categories"
    marked = [o for o in chat.options if o.endswith("✔")]
    assert len(marked) == len(before) == 2
    chat.say("1")  # add the first
    after = the_user(conversations).categories
    assert set(after) == {*before, "karet"}
    chat.say("ubah")
    chat.say("jenis kerajinan")
    chat.say("1")  # and take it away again
    assert set(the_user(conversations).categories) == set(before)


def test_deleting_everything_lists_what_it_ends_and_hapus_says_yes(chat: Chat, conversations,
                                                                    media):
    add_programs(conversations, program("train", 10, title="Pelatihan Pewarna Alam"))
    chat.register_artisan()
    sign_up_for(chat, "Pelatihan Pewarna Alam")
    answer_up_to_photos(chat)
    chat.say(photos=(photo(media, 0),))
    chat.say("lewati")
    chat.say("kirim")
    chat.say("data saya")
    chat.say("hapus")
    assert chat.step == "profile:delete"
    assert "Pelatihan Pewarna Alam" in chat.text and "Kain Tenun Songket Subahnale" in chat.text
    files = [path for path in media.root.rglob("*.jpg")]
    assert files  # the product's photo and its thumbnail
    chat.say("hapus")
    with Session(conversations.database) as session:
        assert session.exec(select(User)).all() == []
    assert [path for path in files if path.exists()] == []  # the photos went with the data


# Staff


def test_staff_who_never_registered_get_a_staff_menu_and_a_way_back(conversations):
    with session_scope(conversations.database) as session:
        staff_roles.give_role(session, "terminal", "staff-1", "curator")
    dewi = Chat(conversations, address="staff-1")
    dewi.say("halo")
    assert dewi.step == "staff_menu:choose"
    assert "Kurasi produk (/kurasi)" in dewi.options
    dewi.say("/program")
    assert dewi.step and dewi.step.startswith("program_admin:")
    dewi.say("0")
    assert dewi.step == "staff_menu:choose"


# Every message fits a phone screen


def test_every_reply_of_a_long_walk_fits_a_screen(chat: Chat, conversations):
    long_text = "Pameran ini mempertemukan perajin dengan pembeli dari luar negeri. " * 40
    add_programs(conversations, *(program(f"p{n:02d}", 2 + n, title=f"Program Kerajinan {n}")
                                  for n in range(12)),
                 program("long", 20, kind="pameran", title="Pameran Panjang",
                         description=long_text))
    said: list = []
    for answer in ("halo", "bantuan", "1", "1", "Siti Aminah", "bahasa", "Tenun Ikat Sasak",
                   "bahasa", "ntb", "Kota Mataram", "3, 4", "0812 3456 7890", "1", "bantuan",
                   "cari program", "1", "+", "+", "#", "0", "pameran panjang", "1", "0",
                   "data saya", "ubah", "jenis kerajinan", "0", "produk saya", "0", "batal"):
        said += chat.say(answer)
    assert len(said) > 30
    too_long = [reply.text[:60] for reply in said if reply.shown_length() > MOST]
    assert too_long == []
    detail = [reply for reply in said if "Pameran Panjang" in reply.text]
    assert detail and any(reply.options for reply in said if reply.step == "finder:detail")


def test_a_picture_another_product_shows_stays_when_one_person_is_erased(conversations, media):
    siti, budi = (Chat(conversations, address=a) for a in ("6281111111111", "6282222222222"))
    for person in (siti, budi):
        person.register_artisan()
        answer_up_to_photos(person)
        person.say(photos=(photo(media, 0),))  # the same picture: one file in the store
        person.say("lewati")
        person.say("kirim")
    files = list(media.root.rglob("*.jpg"))
    siti.say("data saya")
    siti.say("hapus")
    siti.say("hapus")
    assert files and all(path.exists() for path in files)  # Budi's product still shows it


def test_a_choice_typed_again_is_not_taken_as_a_product_name(chat: Chat):
    chat.register_artisan()
    chat.say("2")  # Kirim produk, pressed once
    assert chat.step == "product:name"
    chat.say("2")  # pressed again, meant for the menu
    assert chat.step == "product:name" and "layar sebelumnya" in chat.text
    chat.say("Mangkuk Batok")
    assert chat.step == "product:category"


# Found by trying it as people would


def test_an_unclear_answer_to_throw_it_away_asks_again_and_jangan_keeps(chat: Chat):
    chat.register_artisan()
    chat.say("kirim produk")
    chat.say("Tas Anyaman")
    chat.say("anyaman")
    chat.say("batal")
    chat.say("mungkin")  # neither yes nor no: not taken as the materials
    assert "Buang isian ini?" in chat.text and chat.step == "product:materials"
    chat.say("jangan")
    assert chat.step == "product:materials" and "lanjutkan" in chat.text.lower()
    chat.say("pandan")
    assert chat.step == "product:size"


def test_menu_in_a_flow_that_keeps_no_draft_asks_before_dropping_answers(chat: Chat,
                                                                           conversations):
    add_programs(conversations, program("expo", 10, kind="pameran", title="Pameran Kriya"))
    chat.register_artisan()
    with session_scope(conversations.database) as session:
        staff_roles.give_role(session, "terminal", "6281234567890", "broadcaster")
    chat.say("/siaran")
    chat.say("Pelatihan pewarna alam dibuka!")
    chat.say("lewati")
    chat.say("0")
    assert "Buang isian ini?" in chat.text and chat.step.startswith("broadcast:")
    chat.say("0")  # Menu utama again: yes, throw it away
    assert chat.step == "menu:choose"


def test_back_from_signing_up_returns_to_the_program_page(chat: Chat, conversations):
    add_programs(conversations, program("train", 10, title="Pelatihan Pewarna Alam"))
    chat.register_artisan()
    chat.say("cari program")
    chat.say("1")
    chat.say("1")
    assert chat.step == "finder:detail"
    chat.say("1")  # Daftar sekarang
    assert chat.step == "signup:confirm" and numbers(chat)["#"] == "Kembali"
    chat.say("#")
    assert chat.step == "finder:detail" and "Pelatihan Pewarna Alam" in chat.text
    chat.say("#")
    assert chat.step == "finder:results"


def test_back_works_in_a_resumed_draft_and_nothing_typed_is_no_draft(chat: Chat):
    chat.register_artisan()
    chat.say("kirim produk")
    chat.say("0")  # nothing typed yet
    assert "draf" not in chat.text.lower()
    chat.say("kirim produk")
    chat.say("Mangkuk Batok")
    chat.say("batok")
    chat.say("0")
    chat.say("kirim produk")
    assert chat.step == "product:materials"
    chat.say("#")
    assert chat.step == "product:category"


def test_the_home_menu_after_a_week_says_nothing_of_closing(chat: Chat):
    chat.register_artisan()
    chat.wait(days=9)
    chat.say("halo")
    assert chat.step == "menu:choose" and "7 hari" not in chat.text


def test_batal_while_browsing_says_only_cancelled(chat: Chat):
    chat.register_artisan()
    chat.say("data saya")
    chat.say("hapus")
    chat.say("batal")
    assert chat.text.startswith("Dibatalkan.") and "tidak disimpan" not in chat.text


def test_typing_ones_crafts_again_keeps_them(chat: Chat, conversations):
    chat.register_artisan()  # crafts 3, 4
    before = set(the_user(conversations).categories)
    chat.say("data saya")
    chat.say("ubah")
    chat.say("jenis kerajinan")
    chat.say("3, 4, 1")
    assert set(the_user(conversations).categories) == {*before, "karet"}


def test_natural_phrases_at_the_menu(chat: Chat):
    chat.register_artisan()
    chat.say("saya mau kirim produk")
    assert chat.step == "product:name"


def test_info_while_registering_shows_the_notice_and_the_question_again(chat: Chat):
    for answer in ("halo", "1", "1"):
        chat.say(answer)
    chat.say("info")
    assert "3 x 24 jam" in chat.text and chat.step == "registration:name"
    chat.say("Siti Aminah")
    assert chat.step == "registration:business"


def test_a_price_too_low_to_be_meant_is_questioned(chat: Chat):
    chat.register_artisan()
    chat.say("kirim produk")
    for answer in ("Mangkuk Batok", "batok", "batok kelapa", "15 x 8 cm"):
        chat.say(answer)
    chat.say("15")
    assert chat.step == "product:price" and "Rp15.000" in chat.text
    chat.say("15rb")
    assert chat.step == "product:capacity"
