"""Bahasa Indonesia first: every string translated, catalogs in step with the code, and dates,
times and money written as Indonesians write them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from babel.messages.pofile import read_po

from conversations.i18n import translator
from locales.update import LANGUAGES, po_path, template


def catalog(lang: str):
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def test_every_string_in_the_code_has_an_indonesian_translation():
    code = {m.id for m in template() if m.id}
    indonesian = catalog("id")
    missing = [
        m if isinstance(m, str) else m[0]
        for m in code
        if not (indonesian.get(m) and all(
            indonesian.get(m).string if isinstance(indonesian.get(m).string, tuple)
            else [indonesian.get(m).string]))
    ]
    assert missing == [], f"untranslated (run python -m locales.update, then translate): {missing}"
    fuzzy = [m.id for m in indonesian if m.id and m.fuzzy]
    assert fuzzy == []


def test_the_catalogs_are_in_step_with_the_code():
    code = {m.id for m in template() if m.id}
    for lang in LANGUAGES:
        in_catalog = {m.id for m in catalog(lang) if m.id}
        assert in_catalog == code, (
            f"{lang}: run python -m locales.update "
            f"(new: {sorted(map(str, code - in_catalog))[:5]}, "
            f"gone: {sorted(map(str, in_catalog - code))[:5]})"
        )


def test_translations_keep_their_placeholders():
    for message in catalog("id"):
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            assert set(re.findall(r"{\w+}", string)) == set(re.findall(r"{\w+}", source)), source


def test_a_jakarta_time_read_in_mataram_is_wita():
    event = datetime(2027, 3, 21, 9, 0, tzinfo=translator("id", "Asia/Jakarta").tz)
    assert translator("id", "Asia/Makassar").datetime(event) == (
        "Minggu, 21 Maret 2027 pukul 10.00 WITA")
    assert translator("id", "Asia/Jakarta").datetime(event) == (
        "Minggu, 21 Maret 2027 pukul 09.00 WIB")
    assert translator("en", "Asia/Jayapura").datetime(event) == (
        "Sunday, 21 March 2027 at 11:00 WIT")


def test_money_and_time_left():
    tr = translator("id", "Asia/Jakarta")
    assert tr.money(150000) == "Rp150.000"
    assert tr.money(1500000) == "Rp1.500.000"
    assert tr.duration(timedelta(days=3, hours=22)) == "3 hari"  # never rounded up
    assert tr.duration(timedelta(days=20)) == "20 hari"
    assert tr.duration(timedelta(hours=5, minutes=59)) == "5 jam"
    assert tr.duration(timedelta(seconds=20)) == "1 menit"
    assert translator("en", "Asia/Jakarta").money(150000) == "Rp150,000"


def test_an_unknown_language_falls_back_to_indonesian():
    assert translator("fr", "Asia/Jakarta").lang == "id"
    assert translator("id", "Asia/Jakarta")._("Main menu") == "Menu utama"
    assert translator("en", "Asia/Jakarta")._("Main menu") == "Main menu"
