"""Answers picked from options: one (`Choice`) or several (`MultiChoice`), by button, by
the number shown beside them, or by their words in either language."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from conversations.answers import Answer, Invalid, _text_of, fold
from conversations.i18n import N_
from conversations.messages import Inbound, Option

if TYPE_CHECKING:
    from conversations.context import Context

NUMBER_WORDS = {
    word: str(n) for n, words in enumerate((
        ("nol", "zero"), ("satu", "one", "pertama"), ("dua", "two", "kedua"),
        ("tiga", "three", "ketiga"), ("empat", "four", "keempat"), ("lima", "five", "kelima"),
        ("enam", "six", "keenam"), ("tujuh", "seven", "ketujuh"),
        ("delapan", "eight", "kedelapan"), ("sembilan", "nine", "kesembilan"),
        ("sepuluh", "ten", "kesepuluh"))) for word in words
}


def number_word(folded: str) -> str:
    """'satu' -> '1', 'nomor 3' -> '3': a number written as a word is a number."""
    folded = folded.removeprefix("nomor ").removeprefix("no ").removeprefix("angka ")
    return NUMBER_WORDS.get(folded, folded)


Options = Sequence[tuple[str, str]] | Callable[["Context"], Sequence[tuple[str, str]]]

# Keys that never move: they mean the same on every page of every list.
PREVIOUS_PAGE, NEXT_PAGE = "page:previous", "page:next"
PAGE_KEYS = {PREVIOUS_PAGE: "-", NEXT_PAGE: "+"}
PAGE_LABELS = {PREVIOUS_PAGE: N_("Previous page"), NEXT_PAGE: N_("Next page")}
PAGE_WORDS = {PREVIOUS_PAGE: ("sebelumnya", "halaman sebelumnya", "previous", "prev"),
              NEXT_PAGE: ("lagi", "berikutnya", "selanjutnya", "halaman berikutnya", "next",
                          "more", "lainnya")}


@dataclass
class Choice(Answer):
    """One of some options, answered by button, by number, or by the option's words
    (in either language).

    A list shown a page at a time numbers its options on from the earlier pages (`start`:
    page 2 starts at 6) and offers the page keys ("+" next, "-" previous) that `pages`
    says exist."""

    choices: Options = ()
    words: dict[str, Iterable[str]] = field(default_factory=dict)
    start: int | Callable[[Context], int] = 1
    pages: Callable[[Context], tuple[bool, bool]] | None = None  # (previous, next) exist
    label: str | None = None  # set to confirm a typed answer ("Jenis kerajinan: Tenun ✔")
    # A line under some options, where a channel shows one (a program's deadline)
    details: Callable[[Context], dict[str, str]] | None = None

    def show(self, value: Any, ctx: Context) -> str:
        names = dict(self.pairs(ctx))
        chosen = value if isinstance(value, list) else [value]
        return ", ".join(ctx._(names[key]) for key in chosen if key in names)

    def pairs(self, ctx: Context) -> Sequence[tuple[str, str]]:
        return self.choices(ctx) if callable(self.choices) else self.choices

    def first_number(self, ctx: Context) -> int:
        return self.start(ctx) if callable(self.start) else self.start

    def page_keys(self, ctx: Context) -> list[str]:
        if self.pages is None:
            return []
        previous, following = self.pages(ctx)
        return [key for key, there in ((PREVIOUS_PAGE, previous), (NEXT_PAGE, following))
                if there]

    def options(self, ctx: Context) -> list[Option]:
        first = self.first_number(ctx)
        details = self.details(ctx) if self.details is not None else {}
        found = [Option(key, ctx._(label), str(first + i), details.get(key, ""))
                 for i, (key, label) in enumerate(self.pairs(ctx))]
        found += [Option(key, ctx._(PAGE_LABELS[key]), PAGE_KEYS[key])
                  for key in self.page_keys(ctx)]
        return found

    def parse(self, inbound: Inbound, ctx: Context) -> Any:
        pairs = self.pairs(ctx)
        keys = {key for key, _ in pairs} | set(self.page_keys(ctx))
        if inbound.choice is not None:
            if inbound.choice in keys:
                return inbound.choice
            # A button whose key was too long to carry sends its number instead.
            by_number = self.match_one(inbound.choice, pairs, ctx) \
                if inbound.choice.isdigit() else None
            if by_number is not None:
                return by_number
            raise Invalid(ctx._("That button belongs to an earlier question. Please choose again."))
        text = _text_of(inbound, ctx)
        page = self._page_key(text, ctx)
        if page is not None:
            return page
        key = self.match_one(text, pairs, ctx)
        if key is None:
            first = self.first_number(ctx)
            raise Invalid(self.refusal(ctx, first, first + len(pairs) - 1))
        return key

    def _page_key(self, text: str, ctx: Context) -> str | None:
        shown = self.page_keys(ctx)
        folded = fold(text)
        for key in shown:
            if text.strip() == PAGE_KEYS[key] or folded in PAGE_WORDS[key]:
                return key
        return None

    def refusal(self, ctx: Context, first: int, last: int) -> str:
        if last < first:
            return ctx._("Please reply # to go back, or 0 for the main menu.")
        if first == last:
            return ctx._("Please reply {n}.").format(n=first)
        if last == first + 1:
            return ctx._("Please reply {a} or {b}.").format(a=first, b=last)
        return ctx._("Please reply with a number from {first} to {last}.").format(
            first=first, last=last)

    def _names(self, key: str, label: str, ctx: Context) -> frozenset[str]:
        return _names(key, label, ctx._(label), tuple(self.words.get(key, ())))

    def match_one(
        self, text: str, pairs: Sequence[tuple[str, str]], ctx: Context
    ) -> str | None:
        """The key `text` names: its number, its words exactly, a unique beginning of them,
        or a unique option whose words stand whole in the text ("saya petugas lapas")."""
        folded = number_word(fold(text))
        if folded.isdigit():
            position = int(folded) - self.first_number(ctx) + 1
            return pairs[position - 1][0] if 1 <= position <= len(pairs) else None
        exact: set[str] = set()
        prefix: set[str] = set()
        inside: dict[str, int] = {}  # key -> the longest of its names found in the text
        padded = f" {folded} "
        for key, label in pairs:
            for name in self._names(key, label, ctx):
                if folded == name:
                    exact.add(key)
                elif len(folded) >= 3 and name.startswith(folded):
                    prefix.add(key)
                elif len(name) >= 4 and f" {name} " in padded:
                    inside[key] = max(inside.get(key, 0), len(name))
        if inside:  # "saya mau kirim produk": "kirim produk" over "produk"
            longest = max(inside.values())
            inside = {key: n for key, n in inside.items() if n == longest}
        for found in (exact, prefix, set(inside)):
            if len(found) == 1:
                return found.pop()
            if found:
                return None
        return None


@lru_cache(maxsize=2048)
def _names(key: str, label: str, translated: str, words: tuple[str, ...]) -> frozenset[str]:
    """Every way an option is named, folded: its key, its label in both languages, the
    word in brackets, and its extra words."""
    names = {key, label, translated, _bare(label), _bare(translated), *words}
    return frozenset(fold(n) for n in names) - {""}


def _bare(label: str) -> str:
    """'Rubber (karet)' -> 'karet' and the reverse, so either word is understood."""
    inner = re.search(r"\(([^)]*)\)", label)
    return inner.group(1) if inner else label


@dataclass
class MultiChoice(Choice):
    """Several of some options: '1, 3', '1 3', 'tenun dan batik'."""

    multiple = True

    def parse(self, inbound: Inbound, ctx: Context) -> list[str]:
        pairs = self.pairs(ctx)
        if inbound.choice is not None:
            keys = [k for k in inbound.choice.split(",") if k]
            valid = {key for key, _ in pairs}
            if keys and all(k in valid for k in keys):
                return list(dict.fromkeys(keys))
            raise Invalid(ctx._("That button belongs to an earlier question. Please choose again."))
        text = _text_of(inbound, ctx)
        chosen: list[str] = []
        unknown: list[str] = []
        for part in re.split(r"[,;/&+\n]|\b(?:dan|and)\b", text, flags=re.IGNORECASE):
            part = part.strip()
            if not part:
                continue
            key = self.match_one(part, pairs, ctx)
            if key is not None:
                chosen.append(key)
                continue
            words = part.split()
            keys = [self.match_one(w, pairs, ctx) for w in words]
            if len(words) > 1 and all(keys):
                chosen.extend(k for k in keys if k)
            else:
                unknown.append(part)
        if unknown or not chosen:
            what = ", ".join(f'"{u[:30]}"' for u in unknown[:3])
            message = ctx._("Please type the numbers of your choices, separated by commas "
                            "(for example: 1, 3).")
            if what:
                message = ctx._("I did not understand {what}.").format(what=what) + " " + message
            raise Invalid(message)
        return list(dict.fromkeys(chosen))


YES, NO = "yes", "no"


def yes_no(yes_label: str = N_("Yes"), no_label: str = N_("No")) -> Choice:
    return Choice(
        choices=((YES, yes_label), (NO, no_label)),
        words={
            YES: ("ya", "y", "iya", "yes", "ok", "oke", "setuju", "benar", "betul"),
            NO: ("tidak", "t", "tdk", "no", "n", "enggak", "nggak", "gak", "bukan", "salah"),
        },
    )
