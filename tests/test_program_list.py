"""Staff reach every program in `/program` in a few answers: five a page, numbers going on
across pages, "+" for the next page, and typed words searching titles, kinds and ids."""

from __future__ import annotations

from tests.test_finder import add_programs, program
from tests.test_signups import artisan, sign_up_for, staff

TEI = program("tei-2027", 25, kind="pameran", title="Trade Expo Indonesia",
              starts_at="2027-10-20T10:00", ends_at="2027-10-24T18:00")
# Over long before the clock's 1 March 2027.
OLD = program("expo-2026", 1, kind="pameran", title="Pameran Kriya Nusantara 2026",
              starts_at="2026-06-01T10:00", ends_at="2026-06-05T18:00",
              registration_deadline="2026-05-01T23:59")


def trainings(count: int) -> list[dict]:
    """Programs that start before TEI, one a day from 2 April."""
    return [program(f"p{n:02d}", 10, title=f"Pelatihan Nomor {n + 1}",
                    starts_at=f"2027-04-{n + 2:02d}T09:00", ends_at=f"2027-04-{n + 2:02d}T16:00")
            for n in range(count)]


def listed(chat) -> list[tuple[str, str]]:
    return [(o.number, o.label.split(" (")[0]) for o in chat.last.options]


def test_a_program_on_the_third_page_is_three_answers_away(conversations):
    add_programs(conversations, *trainings(12), TEI)
    dewi = staff(conversations, "s-1")
    dewi.say("/program")
    assert "1-5 dari 13" in dewi.text
    assert listed(dewi) == [("1", "Pelatihan Nomor 1"), ("2", "Pelatihan Nomor 2"),
                            ("3", "Pelatihan Nomor 3"), ("4", "Pelatihan Nomor 4"),
                            ("5", "Pelatihan Nomor 5"), ("+", "Halaman berikutnya"),
                            ("0", "Menu utama")]
    answers = ["+", "lagi", "13"]
    dewi.say(answers[0])
    assert "6-10 dari 13" in dewi.text
    assert listed(dewi)[0] == ("6", "Pelatihan Nomor 6")  # numbers go on from page 1
    assert ("+", "Halaman berikutnya") in listed(dewi) and ("-", "Halaman sebelumnya") \
        in listed(dewi)
    dewi.say(answers[1])
    assert "11-13 dari 13" in dewi.text
    assert ("13", "Trade Expo Indonesia") in listed(dewi)
    assert "+" not in [number for number, _ in listed(dewi)]  # the last page
    dewi.say(answers[2])
    assert dewi.step == "program_admin:action"
    assert dewi.text.startswith("Trade Expo Indonesia")
    # "+" on the last page is not a program, and says why.
    dewi.say("#")
    dewi.say("lagi")
    assert "Tidak ada halaman lain" in dewi.text and dewi.step == "program_admin:pick"


def test_programs_with_sign_ups_come_first(conversations):
    add_programs(conversations, *trainings(6), TEI)
    siti = artisan(conversations, "a-1")
    sign_up_for(siti, "Pelatihan Nomor 3")
    dewi = staff(conversations, "s-1")
    dewi.say("/program")
    assert dewi.options[:2] == ["Pelatihan Nomor 3 (1 pendaftar)",
                                "Pelatihan Nomor 1 (0 pendaftar)"]


def test_typed_words_search_titles_kinds_and_ids(conversations):
    add_programs(conversations, *trainings(12), TEI, OLD,
                 program("jakcraft", 20, kind="pameran", title="JakCraft",
                         starts_at="2027-05-20T10:00", ends_at="2027-05-23T20:00"))
    dewi = staff(conversations, "s-1")
    dewi.say("/program")
    dewi.say("tei-2027")  # an id, of a program on page 3
    assert 'cocok dengan "tei-2027": 1-1 dari 1' in dewi.text
    assert listed(dewi)[:1] == [("1", "Trade Expo Indonesia")]
    dewi.say("expo")  # a word of a title; the old expo-2026 is left out
    assert 'cocok dengan "expo": 1-1 dari 1' in dewi.text
    dewi.say("1")
    assert dewi.text.startswith("Trade Expo Indonesia")
    dewi.say("#")
    dewi.say("pameran")  # a kind: every exhibition not long over
    assert [label for _, label in listed(dewi)][:2] == ["JakCraft", "Trade Expo Indonesia"]
    assert "Pameran Kriya Nusantara 2026" not in dewi.text + " ".join(dewi.options)
    dewi.say("tei-2027")  # the id of one listed opens it
    assert dewi.text.startswith("Trade Expo Indonesia")
    dewi.say("#")
    dewi.say("expo-2026")  # long over, found by its id
    assert [label for _, label in listed(dewi)][:1] == ["Pameran Kriya Nusantara 2026"]
    dewi.say("1")
    assert dewi.text.startswith("Pameran Kriya Nusantara 2026")


def test_words_that_match_nothing_say_so_and_semua_lists_everything_again(conversations):
    add_programs(conversations, *trainings(7))
    dewi = staff(conversations, "s-1")
    dewi.say("/program")
    dewi.say("gamelan")
    assert 'Tidak ada program yang cocok dengan "gamelan"' in dewi.text
    assert dewi.options == ["Menu utama"]
    dewi.say("9")
    assert "0 untuk Menu utama" in dewi.text  # nothing to pick here
    assert dewi.step == "program_admin:pick"
    dewi.say("semua")
    assert "1-5 dari 7" in dewi.text
    dewi.say("9")  # not on this page
    assert "Balas dengan angka 1-5" in dewi.text and dewi.step == "program_admin:pick"
