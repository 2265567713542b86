"""The privacy notice (UU PDP): one text, read on the web at /privasi, in the chat as
messages that fit, and summed up in the consent question."""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from setuptools.config.pyprojecttoml import apply_configuration
from setuptools.dist import Distribution

from bot.config import Config
from bot.wiring import build_conversations
from conversations import privacy
from conversations.i18n import translator
from tests.conftest import kriya_serve

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "https://kriya.example.id"
ID, EN = translator("id", "Asia/Jakarta"), translator("en", "Asia/Jakarta")


@pytest.fixture
def kriya(database_url, tmp_path) -> Iterator[Any]:
    config = Config(KRIYA_DATABASE_URL=database_url, KRIYA_PUBLIC_URL=PUBLIC + "/",
                    KRIYA_MEDIA_DIR=str(tmp_path / "media"))
    with kriya_serve(config) as client:
        yield client


def page_text(body: str) -> str:
    """What a reader sees: the tags gone, the entities read."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


# The web page


def test_the_notice_is_served_in_indonesian_with_a_link_to_english(kriya):
    response = kriya.get("/privasi")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    body = response.text
    assert '<html lang="id">' in body and 'name="viewport"' in body  # fits a phone
    assert '<a href="/privasi?lang=en"' in body
    seen = page_text(body)
    for phrase in ("Pemberitahuan Privasi Kriya",
                   "Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi",
                   "kantor pemerintah yang menjalankan Kriya", "jenis kerajinan",
                   "kode pembuat", "Kami tidak pernah meminta atau menyimpan nama warga binaan",
                   "paling lama 1 tahun setelah program selesai", '"Data saya"',
                   '"Hapus semua data saya"', "BERHENTI", "3 x 24 jam"):
        assert phrase in seen, phrase
    assert "What we keep" not in seen  # no English left in the Indonesian page


def test_the_notice_is_served_in_english_with_a_link_to_indonesian(kriya):
    response = kriya.get("/privasi", params={"lang": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-language"] == "en"
    body = response.text
    assert '<html lang="en">' in body
    assert '<a href="/privasi"' in body and ">Bahasa Indonesia</a>" in body
    seen = page_text(body)
    for phrase in ("Kriya privacy notice", "Law No. 27 of 2022 on Personal Data Protection",
                   "the government office that runs Kriya", "for at most 1 year after the "
                   "program ends", '"My data"', "BERHENTI", "3 x 24 hours"):
        assert phrase in seen, phrase
    assert "Data yang kami simpan" not in seen


def test_an_unknown_language_gets_the_indonesian_page(kriya):
    response = kriya.get("/privasi", params={"lang": "fr"})
    assert response.status_code == 200
    assert '<html lang="id">' in response.text


def test_lists_in_the_notice_are_lists_on_the_page(kriya):
    body = kriya.get("/privasi").text
    kept = body.split("<h2>Data yang kami simpan</h2>", 1)[1].split("</section>", 1)[0]
    assert kept.count("<li>") == 5  # what is kept, item by item
    assert "<li>Tentang Anda: nama, nama usaha" in kept


def test_the_page_template_ships_with_the_package(monkeypatch):
    monkeypatch.chdir(ROOT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dist = apply_configuration(Distribution(), "pyproject.toml")
    patterns = dist.package_data["bot"]
    templates = [p for pattern in patterns for p in (ROOT / "bot").glob(pattern)]
    assert ROOT / "bot" / "templates" / "privacy.html" in templates
    assert any(r.lower().startswith("jinja2") for r in dist.install_requires)


# In the chat


@pytest.mark.parametrize("tr", [ID, EN], ids=["id", "en"])
def test_every_chat_page_fits_one_message_and_nothing_is_lost(tr):
    pages = privacy.chat_pages(tr)
    assert len(pages) > 1
    assert all(len(page) <= 600 for page in pages)
    everything = "\n".join(pages)
    for section in privacy.sections(tr):
        assert section.title.upper() in everything
        for paragraph in section.paragraphs:
            assert paragraph in everything, paragraph  # whole: pages break between them


def test_a_section_title_never_ends_a_page():
    titles = {section.title.upper() for section in privacy.sections(ID)}
    for page in privacy.chat_pages(ID):
        assert page.rstrip().rsplit("\n", 1)[-1] not in titles


@pytest.mark.parametrize("tr", [ID, EN], ids=["id", "en"])
def test_paragraphs_longer_than_a_message_are_cut_between_sentences(tr):
    words = " ".join(privacy.chat_pages(tr)).split()
    pages = privacy.chat_pages(tr, limit=300)  # longer than any one sentence
    assert all(len(page) <= 300 and page.endswith((".", ")")) for page in pages)
    assert " ".join(pages).split() == words  # the same words, in the same order
    pages = privacy.chat_pages(tr, limit=120)  # shorter than some: cut between words
    assert all(len(page) <= 120 for page in pages)
    assert " ".join(pages).split() == words


# The consent question


@pytest.mark.parametrize("tr", [ID, EN], ids=["id", "en"])
def test_the_consent_summary_fits_one_message_and_links_the_notice(tr):
    url = "https://kriya.kemenperin.go.id/bantuan/pelindungan-data/privasi"
    summary = privacy.consent_summary(tr, url)
    assert len(summary) <= 600
    assert url in summary
    assert privacy.consent_summary(tr, None).count("http") == 0


def test_the_indonesian_consent_says_what_why_how_long_and_the_rights():
    summary = privacy.consent_summary(ID, PUBLIC + "/privasi")
    for phrase in ("UU No. 27/2022", "nama usaha", "jenis kerajinan", "nomor HP",
                   "alamat chat", "pendaftaran program", "kurasi", "pengingat",
                   "selama akun aktif", '"Data saya"', "BERHENTI",
                   "Pemberitahuan lengkap: https://kriya.example.id/privasi"):
        assert phrase in summary, phrase
    assert summary.endswith("Apakah Anda setuju?")


def test_a_link_too_long_for_the_message_is_left_out_but_info_still_works():
    url = PUBLIC + "/privasi?" + "x" * 200
    summary = privacy.consent_summary(ID, url)
    assert len(summary) <= 600 - privacy.ANSWERS_ROOM and url not in summary
    assert summary.endswith("Apakah Anda setuju?")


def test_the_served_notice_is_the_link_in_the_consent(kriya):
    settings = kriya.app.state.conversations.settings
    assert settings.privacy_url == "https://kriya.example.id/privasi"
    summary = privacy.consent_summary(ID, settings.privacy_url)
    assert settings.privacy_url in summary
    assert kriya.get("/privasi").status_code == 200


def test_without_a_public_url_there_is_no_link(database_url):
    conversations = build_conversations(Config(KRIYA_DATABASE_URL=database_url))
    assert conversations.settings.privacy_url is None
    assert "http" not in privacy.consent_summary(EN, conversations.settings.privacy_url)
