"""Find programs: upcoming ones for the user's province (national ones always), nearest
deadline first, five at a time; by kind or by typed keywords.

    how -> (kind | keyword) -> results <-> detail
"""

from __future__ import annotations

from typing import Any

from conversations import program_text, programs, provinces, signups, vocabulary
from conversations.answers import Invalid, Text, clean, fold
from conversations.choices import NEXT_PAGE, PREVIOUS_PAGE, Choice
from conversations.context import Context
from conversations.flow import Branch, Entry, Flow, Start, Step
from conversations.flows.signup import SIGN_UP, status_text
from conversations.i18n import N_
from conversations.messages import Inbound
from storage.models import Program, Registration

PAGE = 5
ALL, BY_KIND, SEARCH = "all", "kind", "search"
TYPED = "typed:"
AGAIN = "again"
AGAIN_WORDS = ("cari lagi", "cari", "search again", "search", "ulang", "cari ulang")


class HowToFind(Choice):
    """An option, or keywords typed straight away ('karet', 'pameran jakarta')."""

    # Words that ask to search again rather than search for them, and whether typed words
    # with digits may be keywords (not on a numbered list, where they are a wrong number).
    again_words: tuple[str, ...] = ()
    digits_are_words = True

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        try:
            return super().parse(inbound, ctx)
        except Invalid:
            text = clean(inbound.text)
            if inbound.choice is not None or not any(c.isalpha() for c in text) \
                    or (not self.digits_are_words and any(c.isdigit() for c in text)):
                raise
            if fold(text) in self.again_words:
                return AGAIN
            return TYPED + text[:60]


class Results(HowToFind):
    """A program of the list, a page key, or new words to look for ('cari lagi' asks how)."""

    again_words = AGAIN_WORDS
    digits_are_words = False


def names_programs(ctx: Context, typed: str) -> bool:
    """Whether typed words name what the finder looks for: a kind of program, a craft, a
    province, or words of a program's title."""
    kind, words = _search_words(ctx, typed)
    if kind is not None:
        return True
    if not words:
        return False
    crafts = {word for code, label in vocabulary.CATEGORIES.items()
              for name in (code, label, ctx._(label)) for word in fold(name).split()}
    if any(len(group) > 1 or group[0] in crafts for group in words):
        return True  # a province, or a craft
    return programs.find(ctx.session, ctx.now, words=words, limit=1)[1] > 0


def _typed_at_start(ctx: Context) -> None:
    """Words typed at the main menu ("pameran karet") are the search itself."""
    if "words" in ctx.arguments:
        ctx.scratch.update(words=ctx.arguments.pop("words"), page=0)
        ctx.cache.pop("results", None)
        if "how" not in ctx.state.trail:  # Back asks how to look, for other words
            ctx.state.trail.insert(0, "how")


def _filters(ctx: Context) -> str | None:
    how = ctx.answers["how"]
    ctx.scratch["page"] = 0
    ctx.scratch.pop("kind", None)
    ctx.scratch["words"] = how[len(TYPED):] if how.startswith(TYPED) else ""
    return None


# Words that say what the person wants rather than what to look for: "saya mau daftar
# pameran" looks for exhibitions.
STOP_WORDS = frozenset((
    "saya", "aku", "mau", "ingin", "pengen", "minta", "tolong", "bisa", "boleh", "ada", "apa",
    "apakah", "yang", "untuk", "tentang", "info", "informasi", "cari", "mencari", "carikan",
    "daftar", "mendaftar", "ikut", "ikutan", "program", "kegiatan", "acara", "lihat", "dong",
    "kak", "min", "admin", "pak", "bu", "ya", "di", "ke", "dan", "atau", "the", "a", "an", "i",
    "want", "to", "for", "about", "find", "search", "programs", "show", "me", "please",
    "sign", "up", "join"))


def kind_words(ctx: Context) -> dict[str, str]:
    """Every word that names a kind of program, in either language, to its code."""
    found = {}
    for code, label in vocabulary.PROGRAM_KINDS.items():
        for name in (code, ctx._(label), label, *vocabulary.KIND_WORDS.get(code, ())):
            found.setdefault(fold(name), code)
    return found


def _search_words(ctx: Context, typed: str) -> tuple[str | None, list[tuple[str, ...]]]:
    """Split typed keywords into a program kind and words to look for."""
    kinds = kind_words(ctx)
    kind, words = None, []
    for word in fold(typed).split():
        if word in STOP_WORDS:
            continue
        if word in kinds and kind is None:
            kind = kinds[word]
            continue
        province = provinces.exact(word)
        # "jakarta" finds the Jakarta Expo as well as programs of DKI Jakarta.
        words.append((word, province.name) if province else (word,))
    return kind, words


def _query(ctx: Context) -> tuple[list[Program], int]:
    if "results" in ctx.cache:
        return ctx.cache["results"]
    scratch = ctx.scratch
    user = ctx.user
    typed = scratch.get("words") or ""
    kind: str | None = scratch.get("kind")
    words: list[tuple[str, ...]] = []
    region: list[str] | None = None
    if typed:
        kind, words = _search_words(ctx, typed)
    elif user is not None and user.province:
        region = [user.province, provinces.NATIONAL]
    audience = user.role if user is not None and user.role in vocabulary.AUDIENCES else None
    found = programs.find(
        ctx.session, ctx.now, provinces=region, kind=kind, audience=audience, words=words,
        offset=int(scratch.get("page", 0)) * PAGE, limit=PAGE,
    )
    ctx.cache["results"] = found
    return found


def _result_choices(ctx: Context) -> list[tuple[str, str]]:
    found, _ = _query(ctx)
    return [(f"p:{p.id}", program_text.list_label(ctx, p)) for p in found]


def _result_details(ctx: Context) -> dict[str, str]:
    found, _ = _query(ctx)
    return {f"p:{p.id}": program_text.list_when(ctx, p) for p in found}


def _first_number(ctx: Context) -> int:
    return int(ctx.scratch.get("page", 0)) * PAGE + 1


def _pages(ctx: Context) -> tuple[bool, bool]:
    found, total = _query(ctx)
    page = int(ctx.scratch.get("page", 0))
    return page > 0, page * PAGE + len(found) < total


def results_text(ctx: Context) -> str:
    found, total = _query(ctx)
    if not found:
        return ctx._("No upcoming programs match. Type # to try other words, or 0 for the "
                     "main menu.")
    start = int(ctx.scratch.get("page", 0)) * PAGE
    if len(found) == 1:
        return ctx._("Program {n} of {total}. Choose it to see its details:").format(
            n=start + 1, total=total)
    return ctx._("Programs {first}-{last} of {total}, nearest deadline first. "
                 "Choose one to see its details:").format(
        first=start + 1, last=start + len(found), total=total)


def _turn_page(ctx: Context) -> str | None:
    answer = ctx.answers["results"]
    step = {NEXT_PAGE: 1, PREVIOUS_PAGE: -1}.get(answer, 0)
    ctx.scratch["page"] = max(0, int(ctx.scratch.get("page", 0)) + step)
    if answer.startswith(TYPED):  # other words: a new search, from its first page
        ctx.scratch.update(words=answer[len(TYPED):], page=0)
        ctx.scratch.pop("kind", None)
    ctx.cache.pop("results", None)
    return None


def _after_results(answers: dict[str, Any]) -> str:
    answer = answers["results"]
    return "detail" if answer.startswith("p:") else "how" if answer == AGAIN else "results"


def _shown(ctx: Context) -> Program | None:
    choice = ctx.answers.get("results") or ""
    return programs.get(ctx.session, choice[2:]) if choice.startswith("p:") else None


def _own_signup(ctx: Context, program: Program) -> Registration | None:
    if ctx.user is None or ctx.user.id is None:
        return None
    return signups.own(ctx.session, program.id, ctx.user)


def detail_text(ctx: Context) -> str:
    program = _shown(ctx)
    if program is None:
        return ctx._("This program is no longer available.")
    text = program_text.describe(ctx, program)
    left = signups.seats(ctx.session, program.id).left(program)
    if left is not None and not signups.has_selection(program) \
            and signups.is_open(program, ctx.now):
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
    program = _shown(ctx)
    # Offered even when the user may not sign up: the sign-up flow says why not. Once
    # signed up there is nothing to pick here but Back and Menu utama, which never move.
    if program is not None and _own_signup(ctx, program) is None:
        return [(SIGN_UP, N_("Sign up now"))]
    return []


def _after_detail(answers: dict[str, Any]) -> Any:
    # The sign-up flow starts on the program shown.
    return Start("signup", program=str(answers["results"])[2:])


def _kind_choices(ctx: Context) -> list[tuple[str, str]]:
    return list(vocabulary.PROGRAM_KINDS.items())


def _set_kind(ctx: Context) -> str | None:
    ctx.scratch["kind"] = ctx.answers["by_kind"]
    ctx.scratch["page"] = 0
    return None


def _set_words(ctx: Context) -> str | None:
    ctx.scratch["words"] = ctx.answers["keyword"]
    ctx.scratch["page"] = 0
    return None


finder = Flow("finder", title=N_("Find programs"), entry=Entry(
    lambda ctx: "results" if "words" in ctx.arguments else "how", ("how", "results")), steps=[
    Step("how", N_("How would you like to search? Choose a number, or just type a keyword "
                   "(for example: karet, pameran jakarta)."),
         HowToFind(choices=((ALL, N_("All programs for me")),
                            (BY_KIND, N_("By kind of program")),
                            (SEARCH, N_("Search by keyword"))),
                   words={ALL: ("semua",), BY_KIND: ("jenis",), SEARCH: ("kata kunci",)}),
         then={ALL: "results", BY_KIND: "by_kind", SEARCH: "keyword", "*": "results"},
         on_answer=_filters),
    Step("by_kind", N_("Which kind of program?"), Choice(choices=_kind_choices),
         then="results", on_answer=_set_kind),
    Step("keyword", N_("Type a keyword (for example: karet, tenun, pameran jakarta)."),
         Text(min_len=2, max_len=60), then="results", on_answer=_set_words),
    Step("results", results_text,
         Results(choices=_result_choices, start=_first_number, pages=_pages,
                 details=_result_details),
         then=Branch(_after_results, ("detail", "results", "how")), on_answer=_turn_page,
         before_asking=_typed_at_start),
    Step("detail", detail_text,
         Choice(choices=_detail_choices,
                words={SIGN_UP: ("daftar", "daftar sekarang", "sign up")}),
         then=Branch(_after_detail, (Start("signup"),))),
])
