"""Finding programs: the user's province plus national ones, upcoming, nearest deadline first,
every time in the reader's own zone."""

from __future__ import annotations

from conversations import programs
from conversations.program_files import program_values
from storage.db import session_scope
from tests.conftest import START, Chat


def add_programs(conversations, *rows):
    with session_scope(conversations.database) as session:
        for row in rows:
            programs.save(session, program_values(row), START, "Asia/Jakarta")


EXPO = {
    "id": "jakarta-expo", "kind": "pameran", "title": "Jakarta Expo Kerajinan",
    "organiser": "Disperindag NTB", "venue": "Jakarta Expo Kemayoran", "province": "ntb",
    "timezone": "Asia/Jakarta", "starts_at": "2027-03-23T09:00+07:00",
    "ends_at": "2027-03-26T21:00+07:00", "registration_deadline": "2027-03-04T23:00+08:00",
    "quota": "7", "funding_routes": "apbn:2,partner,mandiri",
}


def program(id_, deadline_day, province="nasional", kind="pelatihan", title=None, **extra):
    return {
        "id": id_, "kind": kind, "title": title or f"Program {id_}", "province": province,
        "starts_at": "2027-04-20T09:00", "ends_at": "2027-04-21T16:00",
        "registration_deadline": f"2027-03-{deadline_day:02d}T23:59", **extra,
    }


def test_an_artisan_in_mataram_sees_the_jakarta_expo_in_wib_with_wita_alongside(
        chat: Chat, conversations):
    add_programs(conversations, EXPO)
    chat.register_artisan(province="ntb")
    chat.say("cari program")
    chat.say("1")  # all programs for me
    assert chat.step == "finder:results"
    assert chat.options[0].startswith("Jakarta Expo Kerajinan")
    chat.say("1")
    assert chat.step == "finder:detail"
    detail = chat.text
    # the expo happens in Jakarta: 09.00 WIB there, 10.00 WITA in Mataram
    assert "Selasa, 23 Maret 2027 pukul 09.00 WIB (10.00 WITA)" in detail
    # the deadline as set (the venue's zone), with Mataram's time alongside
    assert "Kamis, 4 Maret 2027 pukul 22.00 WIB (23.00 WITA)" in detail
    # the clock stands at 1 March 09.00 WIB; the deadline is 4 March 23.00 WITA
    assert "tinggal 3 hari" in detail
    assert "7" in detail and "Disperindag NTB" in detail and "Jakarta Expo Kemayoran" in detail
    assert "APBN" in detail and "Mitra" in detail.title()


def test_an_artisan_in_papua_sees_wit_alongside(chat: Chat, conversations):
    add_programs(conversations, EXPO | {"province": "nasional"})
    chat.register_artisan(province="papua")
    chat.say("cari program")
    chat.say("1")
    chat.say("1")
    assert "Selasa, 23 Maret 2027 pukul 09.00 WIB (11.00 WIT)" in chat.text


def test_only_own_province_and_national_programs_nearest_deadline_first(chat: Chat, conversations):
    add_programs(
        conversations,
        program("ntb-late", 20, province="ntb"),
        program("national-soon", 5),
        program("ntb-soon", 3, province="Nusa Tenggara Barat"),
        program("jakarta", 2, province="dki jakarta"),
        program("past", 1, province="ntb") | {"starts_at": "2027-02-01T09:00",
                                              "ends_at": "2027-02-02T09:00",
                                              "registration_deadline": "2027-01-20T09:00"},
    )
    chat.register_artisan(province="ntb")
    chat.say("cari program")
    chat.say("semua")
    titles = [o for o in chat.options if o.startswith("Program")]
    assert [t.split(" (")[0] for t in titles] == [
        "Program ntb-soon", "Program national-soon", "Program ntb-late"]


def test_five_at_a_time_with_more(chat: Chat, conversations):
    add_programs(conversations, *(program(f"p{n:02d}", 2 + n) for n in range(12)))
    chat.register_artisan()
    chat.say("cari program")
    chat.say("1")
    assert "1-5" in chat.text and "12" in chat.text
    programs = [o for o in chat.options if o.startswith("Program p")]
    assert len(programs) == 5 and programs[0].startswith("Program p00")
    chat.say("+")  # the next page
    assert "6-10" in chat.text
    assert chat.options[0].startswith("Program p05")
    assert chat.last.options[0].number == "6"  # numbers go on from the first page
    chat.say("lagi")
    assert "11-12" in chat.text
    assert [o for o in chat.options if o.startswith("Program p")][-1].startswith("Program p11")
    assert not any("berikutnya" in o.lower() for o in chat.options)
    chat.say("12")
    assert chat.step == "finder:detail" and "Program p11" in chat.text


def test_by_kind(chat: Chat, conversations):
    add_programs(conversations, program("train", 5), program("expo", 6, kind="pameran"))
    chat.register_artisan()
    chat.say("cari program")
    chat.say("2")
    assert chat.step == "finder:by_kind"
    chat.say("pameran")
    titles = [o for o in chat.options if o.startswith("Program")]
    assert titles == [titles[0]] and titles[0].startswith("Program expo")


def test_keyword_search(chat: Chat, conversations):
    add_programs(
        conversations,
        program("rubber", 5, title="Pelatihan Kerajinan Karet", province="sumsel"),
        program("expo-jkt", 6, kind="pameran", title="JakCraft", province="dki",
                venue="Balaikota Jakarta"),
        program("expo-jogja", 7, kind="pameran", title="Expo Jogja", province="diy"),
        program("tenun", 8, title="Pewarna alam untuk tenun", province="ntb"),
    )
    chat.register_artisan(province="ntb")
    chat.say("cari program")
    chat.say("karet")  # typed straight away
    assert chat.step == "finder:results"
    assert [o for o in chat.options if o.startswith(("Pelatihan", "JakCraft", "Expo"))] == [
        o for o in chat.options if o.startswith("Pelatihan Kerajinan Karet")]
    chat.say("cari lagi")
    assert chat.step == "finder:how"
    chat.say("pameran jakarta")
    found = [o.split(" (")[0] for o in chat.options[:-2]]
    assert found == ["JakCraft"]


def test_nothing_found_says_so_and_offers_another_search(chat: Chat, conversations):
    chat.register_artisan()
    chat.say("cari program")
    chat.say("gamelan")
    assert chat.step == "finder:results"
    assert chat.options == ["Kembali", "Menu utama"]
    assert [o.number for o in chat.last.options] == ["#", "0"]
    chat.say("#")
    assert chat.step == "finder:how"


def test_lapas_programs_are_not_offered_to_artisans(chat: Chat, conversations):
    add_programs(conversations, program("for-lapas", 5, audience="lapas"), program("for-all", 6))
    chat.register_artisan()
    chat.say("cari program")
    chat.say("1")
    titles = [o for o in chat.options if o.startswith("Program")]
    assert len(titles) == 1 and titles[0].startswith("Program for-all")
