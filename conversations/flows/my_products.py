"""My products: what a submitter sent for curation and where each stands.

    pick -> view -> pick / END        (or -> the product flow, to send a new one)

An artisan sees their own products; a Lapas officer sees every product of their Lapas,
whoever of its officers sent it, and nothing of another Lapas.
"""

from __future__ import annotations

from conversations import domain
from conversations.answers import Choice
from conversations.context import FRESH_START, Context
from conversations.flow import END, Branch, Flow, Start, Step
from conversations.flows.product import LABELS, REVISE_MEMO, STATUSES, may_change, show
from conversations.i18n import N_
from storage import store
from storage.models import Product

NEW, BACK, MENU, CHANGE = "new", "back", "menu", "change"
SHOWN = 10


def visible_products(ctx: Context) -> list[Product]:
    user = ctx.user
    if user is None or user.id is None:
        return []
    if user.role == domain.LAPAS_OFFICER:
        return store.products_of_lapas(ctx.session, user.lapas_id, SHOWN)
    return store.products_of_owner(ctx.session, user.id, SHOWN)


def status_text(ctx: Context, product: Product) -> str:
    return ctx._(STATUSES.get(product.status, product.status))


def pick_text(ctx: Context) -> str:
    products = visible_products(ctx)
    if not products:
        return ctx._("You have not sent any product for curation yet.")
    return ctx._("Your products and where each stands. Choose one to see it:")


def _choices(ctx: Context) -> list[tuple[str, str]]:
    pairs = [(str(p.id), f"{p.name} ({status_text(ctx, p)})") for p in visible_products(ctx)]
    return [*pairs, (NEW, N_("Send a new product")), (MENU, N_("Main menu"))]


def _after_pick(answers) -> object:
    choice = answers.get("pick")
    if choice == NEW:
        return Start("product")
    return END if choice == MENU else "view"


def view_text(ctx: Context) -> str:
    product = _viewed(ctx)
    if product is None:  # gone, or never theirs to see
        return ctx._("That product is no longer there.")
    lines = [f"{product.name}", ctx._("Status: {status}").format(
        status=status_text(ctx, product))]
    if product.curator_note and product.status in ("needs_revision", "rejected"):
        lines.append(ctx._("Curator's note: {note}").format(note=product.curator_note))
    if product.producer_code:
        lines.append(f"{ctx._(LABELS['producer_code'])}: {product.producer_code}")
    for field in ("category", "materials", "size", "price", "capacity"):
        lines.append(f"{ctx._(LABELS[field])}: {show(ctx, field, getattr(product, field))}")
    lines.append(f"{ctx._(LABELS['photos'])}: {show(ctx, 'photos', product.photos)}")
    lines.append(ctx._("Sent: {date}").format(date=ctx.tr.date(product.submitted_at)))
    return "\n".join(lines)


def _viewed(ctx: Context) -> Product | None:
    allowed = {str(p.id): p for p in visible_products(ctx)}
    return allowed.get(str(ctx.answers.get("pick")))


def _view_choices(ctx: Context) -> list[tuple[str, str]]:
    choices = [(BACK, N_("Back to my products")), (MENU, N_("Main menu"))]
    if may_change(ctx, _viewed(ctx)):
        choices.insert(0, (CHANGE, N_("Change it and send it again")))
    return choices


def _after_view(ctx: Context) -> str | None:
    if ctx.answers["view"] == CHANGE:
        product = _viewed(ctx)
        if product is not None:
            # Handed to the product flow, which starts on it instead of a draft.
            ctx.memo[REVISE_MEMO] = product.id
            ctx.memo[FRESH_START] = True
    return None


def _after_view_step(answers) -> object:
    return {CHANGE: Start("product"), BACK: "pick"}.get(answers.get("view"), END)


my_products = Flow("my_products", [
    Step("pick", pick_text, Choice(choices=_choices,
                                   words={NEW: ("baru", "kirim", "new"),
                                          MENU: ("menu", "kembali")}),
         then=Branch(_after_pick, (Start("product"), END, "view"))),
    Step("view", view_text,
         Choice(choices=_view_choices,
                words={BACK: ("kembali", "daftar", "back"), MENU: ("menu",),
                       CHANGE: ("ubah", "perbaiki", "kirim lagi", "change")}),
         then=Branch(_after_view_step, (Start("product"), "pick", END)), done=_after_view),
])
