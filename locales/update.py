"""Bring the catalogs in line with the code: `python -m locales.update`.

Extracts every marked string (`_`, `N_`, `ngettext`) from bot/ and conversations/ (code and
templates), then
adds new messages to each language's .po file and drops those the code no longer has.
Translate the new entries in `locales/id/LC_MESSAGES/kriya.po` afterwards.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "conversations")
LANGUAGES = ("id", "en")
# Python sources, and the web pages' Jinja2 templates (`{{ _("...") }}` in them).
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]
KEYWORDS = DEFAULT_KEYWORDS
OPTIONS = {"**/templates/**.html": {"extensions": "", "trimmed": "true"}}


def template() -> Catalog:
    catalog = Catalog(project="Kriya", domain="kriya", fuzzy=False)
    for folder in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder, method_map=METHODS, options_map=OPTIONS,
            keywords=KEYWORDS
        ):
            catalog.add(message, locations=[(f"{folder}/{filename}", lineno)],
                        auto_comments=comments, context=context)
    return catalog


def po_path(lang: str) -> Path:
    return ROOT / "locales" / lang / "LC_MESSAGES" / "kriya.po"


def update() -> None:
    pot = template()
    for lang in LANGUAGES:
        path = po_path(lang)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="Kriya", domain="kriya")
        catalog.update(pot, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=False)
        untranslated = sum(1 for m in catalog if m.id and not m.string)
        print(f"{path.relative_to(ROOT)}: {len(catalog) - 1} messages, {untranslated} untranslated")


if __name__ == "__main__":
    update()
