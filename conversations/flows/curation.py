"""Curation, for staff with the `curator` role (`/kurasi`).

    scope -> [province | category] -> review -> accept          -> review (the next one)
                                             -> revise / reject -> note -> review
                                             -> skip            -> review
                                             -> stop            -> END

`review` takes the oldest waiting product in the chosen scope and holds it for this curator
(conversations.curation): two curators never decide the same product, and a hold left
abandoned runs out. Each decision reaches the submitter through the outbox, in their
language.
"""

from __future__ import annotations

from conversations import curation as curating
from conversations import lapas, users, vocabulary
from conversations.answers import Text
from conversations.choices import Choice
from conversations.context import Context
from conversations.curation import STATUS_LABELS
from conversations.flow import END, Branch, Flow, Step
from conversations.flows.office import ProvinceInReach
from conversations.flows.product import LABELS, show
from conversations.i18n import N_
from storage.models import Product
from storage.statuses import ProductStatus

ALL, BY_PROVINCE, BY_CATEGORY = "all", "province", "category"
ACCEPT, REVISE, REJECT, SKIP, STOP = "accept", "revise", "reject", "skip", "stop"
DECISIONS = {ACCEPT: ProductStatus.ACCEPTED, REVISE: ProductStatus.NEEDS_REVISION,
             REJECT: ProductStatus.REJECTED}


def scope_text(ctx: Context) -> str:
    assert ctx.user is not None
    waiting = curating.waiting_for(ctx.session, ctx.user, ctx.now)
    return ctx.tr.ngettext("Curation queue: {n} product waiting. Which ones?",
                           "Curation queue: {n} products waiting. Which ones?",
                           waiting).format(n=waiting)


# Taking the next product


def _take_next(ctx: Context) -> None:
    """Hold the oldest waiting product in scope for this curator, or none, as the review
    question is asked."""
    if ctx.scratch.get("product") is not None:
        return  # asked again (a wrong answer, a resume): still the same product
    user = ctx.user
    assert user is not None
    scope = ctx.answers.get("scope")
    product = curating.take_next(
        ctx.session, user, ctx.now,
        province=ctx.answers.get("province") if scope == BY_PROVINCE else None,
        category=ctx.answers.get("category") if scope == BY_CATEGORY else None,
        exclude=ctx.scratch.get("skipped") or [],
    )
    ctx.scratch["product"] = product.id if product is not None else None


def _product(ctx: Context) -> Product | None:
    return curating.get(ctx.session, ctx.scratch.get("product"))


def review_text(ctx: Context) -> str:
    product = _product(ctx)
    if product is None:
        return ctx._("No product is waiting here now. Thank you!")
    owner = users.get(ctx.session, product.owner_id)
    lines = [product.name]
    if product.lapas_id is not None:
        workshop = lapas.get(ctx.session, product.lapas_id)
        lines.append(ctx._("From {lapas}, maker {code}").format(
            lapas=workshop.name if workshop else "Lapas", code=product.producer_code or "-"))
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
    product_id = ctx.scratch.get("product")
    user = ctx.user
    assert user is not None
    if choice == ACCEPT:
        return _decide(ctx, ACCEPT, None)
    if choice in (SKIP, STOP) and product_id is not None:
        curating.let_go(ctx.session, product_id, user, ctx.now)
        if choice == SKIP:
            ctx.scratch["skipped"] = [*(ctx.scratch.get("skipped") or []), product_id]
        ctx.scratch["product"] = None
    return None


def _after_note(ctx: Context) -> str | None:
    return _decide(ctx, ctx.answers["review"], ctx.answers["note"])


def _decide(ctx: Context, choice: str, note: str | None) -> str | None:
    user = ctx.user
    assert user is not None
    product_id = ctx.scratch.pop("product", None)
    ctx.answers.pop("note", None)
    if product_id is None:
        return None
    product, outcome = curating.decide(ctx.session, product_id, user, DECISIONS[choice], note,
                                       ctx.now, ctx.settings.default_zone)
    if outcome == "not_allowed":  # the role was taken away meanwhile
        return ctx._("You are no longer a curator, so nothing was recorded.")
    if outcome == "out_of_reach":  # the office's provinces changed meanwhile
        return ctx._("That product is outside your office's provinces, so nothing was "
                     "recorded.")
    if product is None:
        return ctx._("Your hold on that product ran out and it went back to the queue; "
                     "nothing was recorded. Here is the next one.")
    return ctx._("Recorded: {name}: {status}. The submitter has been told.").format(
        name=product.name, status=ctx._(STATUS_LABELS[product.status]))


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


curation = Flow("curation", title=N_("Curate products (/kurasi)"), steps=[
    Step("scope", scope_text,
         Choice(choices=((ALL, N_("All, oldest first")), (BY_PROVINCE, N_("By province")),
                         (BY_CATEGORY, N_("By craft"))),
                words={ALL: ("semua", "all"), BY_PROVINCE: ("provinsi", "province"),
                       BY_CATEGORY: ("kriya", "jenis", "craft")}),
         then=Branch(_after_scope, ("province", "category", "review"))),
    Step("province", N_("Which province?"), ProvinceInReach(), then="review"),
    Step("category", N_("Which craft?"),
         Choice(choices=tuple(vocabulary.CATEGORIES.items()), words=vocabulary.CATEGORY_WORDS),
         then="review"),
    Step("review", review_text,
         Choice(choices=_review_choices,
                words={ACCEPT: ("terima", "accept"), REVISE: ("revisi", "perbaiki", "revise"),
                       REJECT: ("tolak", "reject"), SKIP: ("lewati", "skip"),
                       STOP: ("berhenti", "selesai", "stop", "done")}),
         then=Branch(_after_review_step, ("note", "review", END)), before_asking=_take_next,
         on_answer=_after_review, media=review_media),
    Step("note", note_text, Text(min_len=curating.NOTE_MIN, max_len=curating.NOTE_MAX),
         then="review", on_answer=_after_note),
])
