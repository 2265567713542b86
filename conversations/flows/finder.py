"""Find programs: upcoming ones for the user's province (national ones always), nearest
deadline first, five at a time; by kind or by typed keywords.

    how -> (kind | keyword) -> results <-> detail
"""

from __future__ import annotations

from typing import Any

from conversations import domain, program_text, provinces
from conversations.answers import Choice, Invalid, Text, clean, fold
from conversations.context import Context
from conversations.flow import END, Branch, Flow, Start, Step
from conversations.flows.signup import SIGN_UP, SIGNUP_MEMO, is_open, status_text
from conversations.i18n import N_
from conversations.messages import Inbound
from storage import signups, store
from storage.models import Program, Registration

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


def _search_words(ctx: Context, typed: str) -> tuple[str | None, list[tuple[str, ...]]]:
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
        # "jakarta" finds the Jakarta Expo as well as programs of DKI Jakarta.
        words.append((word, province.name) if province else (word,))
    return kind, words


def _query(ctx: Context) -> tuple[list[Program], int]:
    if "results" in ctx.memo:
        return ctx.memo["results"]
    answers = ctx.answers
    user = ctx.user
    typed = answers.get("words") or ""
    kind: str | None = answers.get("kind")
    words: list[tuple[str, ...]] = []
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


def _shown(ctx: Context) -> Program | None:
    choice = ctx.answers.get("results") or ""
    return ctx.session.get(Program, choice[2:]) if choice.startswith("p:") else None


def _own_signup(ctx: Context, program: Program) -> Registration | None:
    if ctx.user is None or ctx.user.id is None:
        return None
    found = signups.registration_of(ctx.session, program.id, signups.party_of(ctx.user))
    return found if found is not None and found.status != signups.CANCELLED else None


def detail_text(ctx: Context) -> str:
    program = _shown(ctx)
    if program is None:
        return ctx._("This program is no longer available.")
    text = program_text.describe(ctx, program)
    left = signups.seats(ctx.session, program.id).left(program)
    if left is not None and not signups.has_selection(program) and is_open(ctx, program):
        text += "\n" + (ctx.tr.ngettext("{n} seat left.", "{n} seats left.", left).format(n=left)
                        if left else ctx._("All seats are taken: new sign-ups go on the "
                                           "waiting list."))
    mine = _own_signup(ctx, program)
    if mine is not None:
        position = signups.waitlist_position(ctx.session, mine)
        text += "\n\n" + ctx._("You are signed up: {status}.").format(
            status=status_text(ctx, mine, program, position))
    return text


def _detail_choices(ctx: Context) -> list[tuple[str, str]]:
    choices = [(BACK, N_("Back to the list")), (MENU, N_("Main menu"))]
    program = _shown(ctx)
    # Offered even when the user may not sign up: the sign-up flow says why not.
    if program is not None and _own_signup(ctx, program) is None:
        choices.insert(0, (SIGN_UP, N_("Sign up")))
    return choices


def _after_detail(ctx: Context) -> str | None:
    program = _shown(ctx)
    if ctx.answers["detail"] == SIGN_UP and program is not None:
        ctx.memo[SIGNUP_MEMO] = program.id  # the sign-up flow starts on it
    return None


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
         Choice(choices=_detail_choices,
                words={BACK: ("kembali", "back"), SIGN_UP: ("daftar", "sign up")}),
         then={BACK: "results", MENU: END, SIGN_UP: Start("signup")}, done=_after_detail),
])
