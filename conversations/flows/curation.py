"""Curation, for staff with the `curator` role (`/kurasi`).

    scope -> [province | category] -> review -> accept          -> review (the next one)
                                             -> revise / reject -> note -> review
                                             -> skip            -> review
                                             -> stop            -> END

`review` takes the oldest waiting product in the chosen scope and holds it for this curator
(store.claim_next): two curators never decide the same product, and a hold left abandoned
runs out. Each decision reaches the submitter through the outbox, in their language.
"""

from __future__ import annotations

from conversations import domain
from conversations.answers import Choice, Province, Text
from conversations.context import Context
from conversations.flow import END, Branch, Flow, Step
from conversations.flows.product import LABELS, STATUSES, show
from conversations.i18n import N_
from conversations.pushes import push, translator_for
from storage import store
from storage.models import Product, User

ALL, BY_PROVINCE, BY_CATEGORY = "all", "province", "category"
ACCEPT, REVISE, REJECT, SKIP, STOP = "accept", "revise", "reject", "skip", "stop"
DECISIONS = {ACCEPT: "accepted", REVISE: "needs_revision", REJECT: "rejected"}


def scope_text(ctx: Context) -> str:
    waiting = store.count_waiting(ctx.session, ctx.now,
                                  ctx.user.id if ctx.user is not None else None)
    return ctx.tr.ngettext("Curation queue: {n} product waiting. Which ones?",
                           "Curation queue: {n} products waiting. Which ones?",
                           waiting).format(n=waiting)


# Taking the next product


def _take_next(ctx: Context) -> None:
    """Hold the oldest waiting product in scope for this curator, or none. Runs when the
    review question is asked; returns None so that it is asked."""
    current = ctx.answers.get("product")
    if current is not None:
        return None  # asked again (a wrong answer, a resume): still the same product
    user = ctx.user
    assert user is not None and user.id is not None
    product = store.claim_next(
        ctx.session, user.id, ctx.now,
        province=ctx.answers.get("province") if ctx.answers.get("scope") == BY_PROVINCE
        else None,
        category=ctx.answers.get("category") if ctx.answers.get("scope") == BY_CATEGORY
        else None,
        exclude=ctx.answers.get("skipped") or [],
    )
    ctx.answers["product"] = product.id if product is not None else None
    return None


def _product(ctx: Context) -> Product | None:
    product_id = ctx.answers.get("product")
    return ctx.session.get(Product, product_id) if product_id is not None else None


def review_text(ctx: Context) -> str:
    product = _product(ctx)
    if product is None:
        return ctx._("No product is waiting here now. Thank you!")
    owner = ctx.session.get(User, product.owner_id)
    lines = [product.name]
    if product.lapas_id is not None:
        lapas = store.lapas_by_id(ctx.session, product.lapas_id)
        lines.append(ctx._("From {lapas}, maker {code}").format(
            lapas=lapas.name if lapas else "Lapas", code=product.producer_code or "-"))
    elif owner is not None:
        lines.append(ctx._("From {business}, {city}").format(
            business=owner.business_name or owner.name or "-", city=owner.city or "-"))
    for field in ("category", "materials", "size", "price", "capacity", "description"):
        lines.append(f"{ctx._(LABELS[field])}: {show(ctx, field, getattr(product, field))}")
    lines.append(f"{ctx._(LABELS['photos'])}: {show(ctx, 'photos', product.photos)}"
                 + (" + " + ctx._("packaging") if product.packaging_photo else ""))
    if product.curator_note:
        lines.append(ctx._("Earlier note: {note}").format(note=product.curator_note))
    lines.append(ctx._("Submitted: {date}").format(date=ctx.tr.date(product.submitted_at)))
    return "\n".join(lines)


def review_media(ctx: Context) -> tuple[str, ...]:
    product = _product(ctx)
    if product is None:
        return ()
    paths = [p["path"] for p in product.photos]
    if product.packaging_photo:
        paths.append(product.packaging_photo["path"])
    return tuple(paths)


def _review_choices(ctx: Context) -> list[tuple[str, str]]:
    if _product(ctx) is None:
        return [(STOP, N_("Done"))]
    return [(ACCEPT, N_("Accept")), (REVISE, N_("Ask for a revision")),
            (REJECT, N_("Reject")), (SKIP, N_("Skip for now")), (STOP, N_("Stop"))]


def _after_review(ctx: Context) -> str | None:
    choice = ctx.answers["review"]
    product_id = ctx.answers.get("product")
    user = ctx.user
    assert user is not None and user.id is not None
    if choice == ACCEPT:
        return _decide(ctx, ACCEPT, None)
    if choice in (SKIP, STOP) and product_id is not None:
        store.release_product(ctx.session, product_id, user.id, ctx.now)
        if choice == SKIP:
            ctx.answers["skipped"] = [*(ctx.answers.get("skipped") or []), product_id]
        ctx.answers["product"] = None
    return None


def _after_note(ctx: Context) -> str | None:
    return _decide(ctx, ctx.answers["review"], ctx.answers["note"])


def _decide(ctx: Context, choice: str, note: str | None) -> str | None:
    user = ctx.user
    assert user is not None and user.id is not None
    product_id = ctx.answers.pop("product", None)
    ctx.answers.pop("note", None)
    if product_id is None:
        return None
    if not domain.is_curator(user):  # the role was taken away meanwhile
        store.release_product(ctx.session, product_id, user.id, ctx.now)
        return ctx._("You are no longer a curator, so nothing was recorded.")
    product = store.decide_product(ctx.session, product_id, user.id, DECISIONS[choice], note,
                                   ctx.now)
    if product is None:
        return ctx._("Your hold on that product ran out and it went back to the queue; "
                     "nothing was recorded. Here is the next one.")
    _tell_submitter(ctx, product)
    return ctx._("Recorded: {name}: {status}. The submitter has been told.").format(
        name=product.name, status=ctx._(STATUSES[product.status]))


def _tell_submitter(ctx: Context, product: Product) -> None:
    owner = ctx.session.get(User, product.owner_id)
    if owner is None:
        return
    tr = translator_for(owner, ctx.settings.default_zone)
    note = product.curator_note or ""
    if product.status == "accepted":
        text = tr._("Good news! Your product \"{name}\" has been accepted by the curator. It "
                    "can now be put forward for exhibitions.").format(name=product.name)
    elif product.status == "needs_revision":
        text = tr._("Your product \"{name}\" needs some changes before it can be accepted.\n"
                    "Curator's note: {note}\nPlease make the changes and send it again "
                    "with Send a product.").format(name=product.name, note=note)
    else:
        text = tr._("We are sorry: your product \"{name}\" was not accepted this time.\n"
                    "Curator's note: {note}").format(name=product.name, note=note)
    when = product.decided_at.isoformat() if product.decided_at else ""
    push(ctx.session, owner, "decision", text, f"decision:{product.id}:{when}", ctx.now)


def _after_scope(answers) -> str:
    return {BY_PROVINCE: "province", BY_CATEGORY: "category"}.get(answers.get("scope"),
                                                                   "review")


def _after_review_step(answers) -> str:
    choice = answers.get("review")
    if choice in (REVISE, REJECT):
        return "note"
    return END if choice == STOP else "review"


def note_text(ctx: Context) -> str:
    if ctx.answers.get("review") == REVISE:
        return ctx._("What should be changed? Your note goes to the submitter as you write it.")
    return ctx._("Why is it not accepted? Your note goes to the submitter as you write it; "
                 "a kind word on what would make it acceptable helps.")


curation = Flow("curation", [
    Step("scope", scope_text,
         Choice(choices=((ALL, N_("All, oldest first")), (BY_PROVINCE, N_("By province")),
                         (BY_CATEGORY, N_("By craft"))),
                words={ALL: ("semua", "all"), BY_PROVINCE: ("provinsi", "province"),
                       BY_CATEGORY: ("kriya", "jenis", "craft")}),
         then=Branch(_after_scope, ("province", "category", "review"))),
    Step("province", N_("Which province?"), Province(), then="review"),
    Step("category", N_("Which craft?"),
         Choice(choices=tuple(domain.CATEGORIES.items()), words=domain.CATEGORY_WORDS),
         then="review"),
    Step("review", review_text,
         Choice(choices=_review_choices,
                words={ACCEPT: ("terima", "accept"), REVISE: ("revisi", "perbaiki", "revise"),
                       REJECT: ("tolak", "reject"), SKIP: ("lewati", "skip"),
                       STOP: ("berhenti", "selesai", "stop", "done")}),
         then=Branch(_after_review_step, ("note", "review", END)), known=_take_next,
         done=_after_review, media=review_media),
    Step("note", note_text, Text(min_len=5, max_len=1000), then="review", done=_after_note),
])
