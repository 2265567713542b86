"""My products: what a submitter sent for curation and where each stands.

    pick -> view -> pick / END        (or -> the product flow, to send a new one)

An artisan sees their own products; a Lapas officer sees every product of their Lapas,
whoever of its officers sent it, and nothing of another Lapas.
"""

from __future__ import annotations

from conversations import domain
from conversations.answers import Choice
from conversations.context import Context
from conversations.flow import END, Branch, Flow, Start, Step
from conversations.flows.product import LABELS, show
from conversations.i18n import N_
from storage import store
from storage.models import Product

NEW, BACK, MENU = "new", "back", "menu"
SHOWN = 10
STATUSES = {
    "submitted": N_("submitted"),
    "in_review": N_("in review"),
    "accepted": N_("accepted"),
    "needs_revision": N_("needs revision"),
    "rejected": N_("rejected"),
}


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
    allowed = {str(p.id): p for p in visible_products(ctx)}
    product = allowed.get(str(ctx.answers.get("pick")))
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


my_products = Flow("my_products", [
    Step("pick", pick_text, Choice(choices=_choices,
                                   words={NEW: ("baru", "kirim", "new"),
                                          MENU: ("menu", "kembali")}),
         then=Branch(_after_pick, (Start("product"), END, "view"))),
    Step("view", view_text,
         Choice(choices=((BACK, N_("Back to my products")), (MENU, N_("Main menu"))),
                words={BACK: ("kembali", "daftar", "back"), MENU: ("menu",)}),
         then={BACK: "pick", MENU: END}),
])
