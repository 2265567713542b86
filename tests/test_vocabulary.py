"""One vocabulary (the glossary's terms): the words Kriya does not use never reach a
reader, in the chat (the Indonesian catalog), in the README or in the exports' headers."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import typer
from babel.messages.pofile import read_po

from bot.cli import app
from conversations.choices import Choice
from conversations.exports import HEADERS
from conversations.i18n import translator
from locales.update import ROOT, po_path
from tests.conftest import Chat

# `kriya programs import` and the like: the command's name, not a craft category.
COMMANDS = "|".join(sorted(typer.main.get_command(app).commands))

# What is wrong, and the pattern that finds it. Word boundaries keep "Batalkan",
# "penyiaran" or "10 sampai 12" out; "Kriya" capitalised as the service's name is fine.
DO_NOT_USE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ('"kriya" for a craft category: use "jenis kerajinan"',
     re.compile(rf"\bkriya\b(?! (?:{COMMANDS})\b)|\bKriya (?:apa|berikut)\b")),
    ('"Kriya Anda" reads "your Kriya account": use "jenis kerajinan Anda" or "akun Anda di Kriya"',
     re.compile(r"\bKriya Anda\b", re.IGNORECASE)),
    ('"kursi": use "kuota N peserta" or "sisa N tempat"', re.compile(r"\bkursi\b", re.I)),
    ('"penyiar": use "petugas siaran"', re.compile(r"\bpenyiar\b", re.I)),
    ('"broadcaster": use "petugas siaran"', re.compile(r"\bbroadcasters?\b", re.I)),
    ('"pengirim pengumuman": use "petugas siaran"',
     re.compile(r"\bpengirim pengumuman\b", re.I)),
    ('"reviewer": use "kurator"', re.compile(r"\breviewers?\b", re.I)),
    ('"kode perajin": use "kode pembuat"', re.compile(r"\bkode perajin\b", re.I)),
    ('"narapidana": use "warga binaan"', re.compile(r"\bnarapidana\b", re.I)),
    ('"napi": use "warga binaan"', re.compile(r"\bnapi\b", re.I)),
    ('"disetujui": use "diterima (lolos kurasi)"', re.compile(r"\bdisetujui\b", re.I)),
    ('"approved": use "diterima (lolos kurasi)"', re.compile(r"\bapproved\b", re.I)),
    ('"konsep": use "draf"', re.compile(r"\bkonsep\b", re.I)),
    ('"Kembali ke daftar" alone: say which list ("daftar program", "daftar produk")',
     re.compile(r"\bkembali ke daftar\b(?! (?:program|produk)\b)", re.I)),
    ('"(terlambat)" reads "you are late": use "Pengingat (terkirim terlambat)"',
     re.compile(r"\(terlambat\b", re.I)),
    ('"ketik angka ... sampai": use "Balas 1 atau 2." or "Balas dengan angka 1-7."',
     re.compile(r"\bketik angka\b|\bsampai 1\b", re.I)),
    ('"batal" as a status: use "dibatalkan"', re.compile(r"^batal(?::|\.?$)", re.I)),
)
# English words that are right in the English README: the staff role's key and WhatsApp's
# "approved templates".
ENGLISH_WORDS_IN_THE_README = ('"broadcaster"', '"approved"')


def faults(text: str, rules=DO_NOT_USE) -> list[str]:
    return [why for why, pattern in rules if pattern.search(text)]


def indonesian_catalog():
    with po_path("id").open("rb") as fh:
        return read_po(fh, locale="id")


def test_the_rules_catch_the_known_faults_and_spare_the_right_words():
    for wrong in ("Kriya Anda: Karet", "Jenis kriya apa?", "Kriya apa saja? (1, 3)",
                  "Sisa 3 kursi.", "Mintalah peran broadcaster", "Batal: 1",
                  "(terlambat) Pengingat: ...", "ketik angka 1 sampai 1", "Kembali ke daftar",
                  "Produk Anda disetujui", "Simpan sebagai konsep", "kode perajin WB-017"):
        assert faults(wrong), wrong
    for right in ("Terima kasih telah menggunakan Kriya.", "kriya programs import",
                  "Pengingat (terkirim terlambat): ...", "Balas dengan angka 1-12.",
                  "Kembali ke daftar program", "Batalkan pendaftaran ini",
                  "Silakan kirim 1 sampai 5 foto", "sisa 2 tempat", "petugas siaran"):
        assert not faults(right), (right, faults(right))


def test_no_indonesian_message_uses_a_word_the_glossary_forbids():
    found = []
    for message in indonesian_catalog():
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            found += [f"{message.id!r} -> {string!r}: {why}" for why in faults(string)]
    assert found == [], "\n".join(found)


def _prose(markdown: str) -> list[tuple[int, str]]:
    """The README's lines without code blocks and `code spans` (commands, paths, keys)."""
    lines, fenced = [], False
    for number, line in enumerate(markdown.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, re.sub(r"`[^`]*`", "", line)))
    return lines


def test_the_readme_and_the_exports_headers_use_the_same_words():
    readme_rules = tuple(
        (why, pattern) for why, pattern in DO_NOT_USE
        if not why.startswith(ENGLISH_WORDS_IN_THE_README)
    ) + (('"approved" for curation: use "accepted"', re.compile(r"\bapproved\b(?! templates?\b)")),)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = [f"README.md:{n}: {why}: {line.strip()!r}"
             for n, line in _prose(readme) for why in faults(line, readme_rules)]
    # A paragraph wraps: look across line ends too.
    joined = " ".join(line for _, line in _prose(readme))
    found += [f"README.md (across lines): {why}" for why in faults(joined, readme_rules)
              if not any(why in f for f in found)]
    headers = [translator("id", "Asia/Jakarta")._(h) for h in HEADERS]
    found += [f"export header {h!r}: {why}" for h in headers for why in faults(h)]
    assert found == [], "\n".join(found)
    assert "Kode pembuat" in headers and "Jenis kerajinan" in headers


@pytest.mark.parametrize(("last", "said"), [
    (1, "Balas 1."), (2, "Balas 1 atau 2."), (7, "Balas dengan angka 1-7."),
])
def test_a_number_out_of_range_is_answered_with_the_range(last, said):
    ctx = SimpleNamespace(_=translator("id", "Asia/Jakarta")._)
    assert Choice(choices=()).refusal(ctx, 1, last) == said


def test_an_answer_out_of_range_names_the_numbers_to_reply(chat: Chat):
    chat.say("halo")
    chat.say("1")
    chat.say("9")  # the role question has two options
    assert chat.text.startswith("Balas 1 atau 2.")
    chat.register_artisan()
    chat.say("99")
    assert "Balas dengan angka 1-" in chat.text and "ketik angka" not in chat.text


def test_english_speaks_of_lapas_with_a_gloss_and_lists_the_english_words(chat: Chat):
    chat.say("halo")
    chat.say("language")
    chat.say("1")
    assert "Lapas (prison) officer" in chat.text
    chat.say("help")
    assert "cancel:" in chat.text and "batal:" not in chat.text
    assert chat.step == "registration:role"
    chat.say("1")
    for answer in ("Siti Aminah", "Tenun Ikat Sasak", "ntb", "Kota Mataram", "3, 4",
                   "0812 3456 7890", "1"):
        chat.say(answer)
    chat.say("help")
    for word in ("cancel:", "help:", "language:", "STOP:", "START:"):
        assert word in chat.text
    assert "BERHENTI" not in chat.text
    chat.say("bahasa")
    chat.say("bantuan")
    assert "batal:" in chat.text and "BERHENTI:" in chat.text


def test_indonesian_words_read_as_the_glossary_gives_them(chat: Chat):
    chat.register_artisan()
    chat.say("BERHENTI")
    assert chat.text.startswith("Baik, Anda tidak akan lagi menerima pengingat dan pengumuman. "
                                "Ketik MULAI untuk menerimanya lagi.")
    chat.say("MULAI")
    assert chat.text.startswith("Pengingat dan pengumuman aktif kembali.")
    chat.say("kirim produk")
    chat.say("Kain Tenun Songket")
    chat.say("tenun")
    chat.say("benang katun")
    chat.say("200 x 60 cm")
    chat.say("Rp900.000.000.000")
    assert chat.text.startswith("Harganya sepertinya terlalu tinggi. Mohon periksa lagi.")

