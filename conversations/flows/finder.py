"""Find programs: upcoming ones for the user's province (national ones always), nearest
deadline first, five at a time; by kind or by typed keywords.

    how -> (kind | keyword) -> results <-> detail
"""

from __future__ import annotations

from typing import Any

from conversations import domain, program_text, provinces
from conversations.answers import Choice, Invalid, Text, clean, fold
from conversations.context import Context
from conversations.flow import END, Branch, Flow, Step
from conversations.i18n import N_
from conversations.messages import Inbound
from storage import store
from storage.models import Program

PAGE = 5
ALL, BY_KIND, SEARCH = "all", "kind", "search"
MORE, AGAIN, MENU, BACK = "more", "again", "menu", "back"
TYPED = "typed:"


class HowToFind(Choice):
    """An option, or keywords typed straight away ('karet', 'pameran jakarta')."""

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        try:
            return super().parse(inbound, ctx)
        except Invalid:
            text = clean(inbound.text)
            if inbound.choice is not None or not any(c.isalpha() for c in text):
                raise
            return TYPED + text[:60]


def _filters(ctx: Context) -> str | None:
    answers = ctx.answers
    how = answers["how"]
    answers["page"] = 0
    answers.pop("kind", None)
    answers["words"] = how[len(TYPED):] if how.startswith(TYPED) else ""
    return None


def _search_words(ctx: Context, typed: str) -> tuple[str | None, list[str]]:
    """Split typed keywords into a program kind and words to look for."""
    kind_words = {}
    for code, label in domain.PROGRAM_KINDS.items():
        kind_words[fold(code)] = code
        kind_words[fold(ctx._(label))] = code
        kind_words[fold(label)] = code
    kind, words = None, []
    for word in fold(typed).split():
        if word in kind_words and kind is None:
            kind = kind_words[word]
            continue
        province = provinces.exact(word)
        words.append(province.name if province else word)
    return kind, words


def _query(ctx: Context) -> tuple[list[Program], int]:
    if "results" in ctx.memo:
        return ctx.memo["results"]
    answers = ctx.answers
    user = ctx.user
    typed = answers.get("words") or ""
    kind: str | None = answers.get("kind")
    words: list[str] = []
    region: list[str] | None = None
    if typed:
        kind, words = _search_words(ctx, typed)
    elif user is not None and user.province:
        region = [user.province, provinces.NATIONAL]
    audience = user.role if user is not None and user.role in domain.AUDIENCES else None
    found = store.upcoming_programs(
        ctx.session, ctx.now, provinces=region, kind=kind, audience=audience, words=words,
        offset=int(answers.get("page", 0)) * PAGE, limit=PAGE,
    )
    ctx.memo["results"] = found
    return found


def _result_choices(ctx: Context) -> list[tuple[str, str]]:
    programs, total = _query(ctx)
    choices = [(f"p:{p.id}", program_text.list_label(ctx, p)) for p in programs]
    shown = int(ctx.answers.get("page", 0)) * PAGE + len(programs)
    if shown < total:
        choices.append((MORE, N_("More programs")))
    choices.append((AGAIN, N_("Search again")))
    choices.append((MENU, N_("Main menu")))
    return choices


def results_text(ctx: Context) -> str:
    programs, total = _query(ctx)
    if not programs:
        return ctx._("No upcoming programs match. Try other words, or look at all programs.")
    start = int(ctx.answers.get("page", 0)) * PAGE
    return ctx._("Programs {first}-{last} of {total}, nearest deadline first. "
                 "Choose one to see its details:").format(
        first=start + 1, last=start + len(programs), total=total)


def _next_page(ctx: Context) -> str | None:
    if ctx.answers["results"] == MORE:
        ctx.answers["page"] = int(ctx.answers.get("page", 0)) + 1
    if ctx.answers["results"] == AGAIN:
        ctx.answers.pop("words", None)
    ctx.memo.pop("results", None)
    return None


def _after_results(answers: dict[str, Any]) -> str:
    choice = answers["results"]
    if choice.startswith("p:"):
        return "detail"
    return {MORE: "results", AGAIN: "how"}.get(choice, END)


def detail_text(ctx: Context) -> str:
    program_id = ctx.answers["results"][2:]
    program = ctx.session.get(Program, program_id)
    if program is None:
        return ctx._("This program is no longer available.")
    return program_text.describe(ctx, program)


def _kind_choices(ctx: Context) -> list[tuple[str, str]]:
    return list(domain.PROGRAM_KINDS.items())


def _set_kind(ctx: Context) -> str | None:
    ctx.answers["kind"] = ctx.answers["by_kind"]
    ctx.answers["page"] = 0
    return None


def _set_words(ctx: Context) -> str | None:
    ctx.answers["words"] = ctx.answers["keyword"]
    ctx.answers["page"] = 0
    return None


finder = Flow("finder", [
    Step("how", N_("How do you want to look? Choose a number, or just type a keyword "
                   "(for example: karet, pameran jakarta)."),
         HowToFind(choices=((ALL, N_("All programs for me")),
                            (BY_KIND, N_("By kind of program")),
                            (SEARCH, N_("Search by keyword"))),
                   words={ALL: ("semua",), BY_KIND: ("jenis",), SEARCH: ("kata kunci",)}),
         then={ALL: "results", BY_KIND: "by_kind", SEARCH: "keyword", "*": "results"},
         done=_filters),
    Step("by_kind", N_("Which kind of program?"), Choice(choices=_kind_choices),
         then="results", done=_set_kind),
    Step("keyword", N_("Type a keyword (for example: karet, tenun, pameran jakarta)."),
         Text(min_len=2, max_len=60), then="results", done=_set_words),
    Step("results", results_text, Choice(choices=_result_choices),
         then=Branch(_after_results, ("detail", "results", "how", END)), done=_next_page),
    Step("detail", detail_text,
         Choice(choices=((BACK, N_("Back to the list")), (MENU, N_("Main menu"))),
                words={BACK: ("kembali", "back", "daftar")}),
         then={BACK: "results", MENU: END}),
])
