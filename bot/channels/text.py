"""Text as platforms take it: in pieces no longer than their limit."""

from __future__ import annotations


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at line ends or spaces where possible and
    never inside an HTML entity such as &amp; (Telegram's text is HTML)."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut < limit // 2:
            cut = limit
            entity = rest.rfind("&", 0, cut)
            if entity > cut - 10 and rest.find(";", entity, cut) == -1:
                cut = entity
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    pieces.append(rest)
    return [piece for piece in pieces if piece] or [""]
