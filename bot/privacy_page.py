"""The privacy notice as a web page (`GET /privasi`, `?lang=en`): the text of
conversations.privacy, laid out by a Jinja2 template that ships inside the package."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from conversations import privacy
from conversations.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, translator

PATH = "/privasi"


@dataclass(frozen=True)
class Block:
    """A paragraph, or the items of a list that follow each other."""

    text: str = ""
    items: tuple[str, ...] = ()


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("bot", "templates"),
                       autoescape=select_autoescape(default=True))


def language_of(asked: str | None) -> str:
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE


def url_for(lang: str) -> str:
    return PATH if lang == DEFAULT_LANGUAGE else f"{PATH}?lang={lang}"


def _blocks(paragraphs: tuple[str, ...]) -> list[Block]:
    blocks: list[Block] = []
    for paragraph in paragraphs:
        if not paragraph.startswith(privacy.BULLET):
            blocks.append(Block(text=paragraph))
            continue
        item = paragraph.removeprefix(privacy.BULLET)
        if blocks and blocks[-1].items:
            blocks[-1] = Block(items=(*blocks[-1].items, item))
        else:
            blocks.append(Block(items=(item,)))
    return blocks


@cache
def render(lang: str) -> str:
    """The whole page in `lang`, with a link to each other language."""
    tr = translator(lang, "Asia/Jakarta")  # the notice names no time
    sections = [(section.title, _blocks(section.paragraphs))
                for section in privacy.sections(tr)]
    others = [(other, LANGUAGE_NAMES[other], url_for(other))
              for other in LANGUAGES if other != lang]
    return _environment().get_template("privacy.html").render(
        lang=lang, title=tr._(privacy.TITLE), sections=sections, others=others)
