"""My products: what a submitter sent for curation and where each stands.

    pick -> view -> pick / END        (or -> the product flow, to send a new one)

An artisan sees their own products; a Lapas officer sees every product of their Lapas,
whoever of its officers sent it, and nothing of another Lapas.
"""

from __future__ import annotations

from typing import Any

from conversations import curation
from conversations.choices import Choice
from conversations.context import Context
from conversations.curation import STATUS_LABELS
from conversations.flow import Branch, Flow, Start, Step
from conversations.flows.product import LABELS, show
from conversations.i18n import N_
from storage.models import Product
from storage.statuses import ProductStatus

NEW, BACK, MENU, CHANGE = "new", "back", "menu", "change"
SHOWN = 10


def visible_products(ctx: Context) -> list[Product]:
    if "mine" not in ctx.cache:
        user = ctx.user
        ctx.cache["mine"] = ([] if user is None or user.id is None
                             else curation.visible_to(ctx.session, user, SHOWN))
    return ctx.cache["mine"]


def status_text(ctx: Context, product: Product) -> str:
    return ctx._(STATUS_LABELS.get(product.status, product.status))


def pick_text(ctx: Context) -> str:
    products = visible_products(ctx)
    if not products:
        return ctx._("You have not sent any product for curation yet.")
    return ctx._("Your products and where each stands. Choose one to see it:")


def _choices(ctx: Context) -> list[tuple[str, str]]:
    pairs = [(str(p.id), f"{p.name} ({status_text(ctx, p)})") for p in visible_products(ctx)]
    # "Send a new product" first, so that it keeps its number however many products there are.
    return [(NEW, N_("Send a new product")), *pairs]


def _after_pick(answers) -> object:
    return Start("product") if answers.get("pick") == NEW else "view"


def view_text(ctx: Context) -> str:
    product = _viewed(ctx)
    if product is None:  # gone, or never theirs to see
        return ctx._("That product is no longer there.")
    lines = [f"{product.name}", ctx._("Status: {status}").format(
        status=status_text(ctx, product))]
    if product.curator_note and product.status in (ProductStatus.NEEDS_REVISION,
                                                   ProductStatus.REJECTED):
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
    if curation.may_change(ctx.user, _viewed(ctx)):
        return [(CHANGE, N_("Change it and send it again"))]
    return []


def _after_view_step(answers: dict[str, Any]) -> object:
    # The product flow checks again that it may be changed.
    return Start("product", revise=int(answers["pick"]))


my_products = Flow("my_products", title=N_("My products"), steps=[
    Step("pick", pick_text, Choice(choices=_choices, words={NEW: ("baru", "kirim", "new")}),
         then=Branch(_after_pick, (Start("product"), "view"))),
    Step("view", view_text,
         Choice(choices=_view_choices,
                words={CHANGE: ("ubah", "perbaiki", "kirim lagi", "change")}),
         then=Branch(_after_view_step, (Start("product"),))),
])
