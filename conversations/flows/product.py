"""Sending a product for curation, by an artisan or a Lapas officer for their Lapas.

    [producer_code] -> name -> category -> materials -> size -> price -> capacity
      -> description -> photos -> packaging -> confirm (send, or change one field and come back)

`producer_code` is asked of Lapas officers only: the inmate who made the product is named by
a code, never by name. Left unfinished, the answers are kept as a draft and resume.
"""

from __future__ import annotations

import re
from typing import Any

from conversations import domain
from conversations.answers import Answer, Choice, Count, Invalid, Price, Text
from conversations.context import NO_DRAFT, Context
from conversations.flow import END, EditField, Flow, Step
from conversations.i18n import N_
from conversations.messages import Inbound, Option, Photo
from storage.models import Product

SEND, EDIT = "send", "edit"
FRESH, REVISION = "fresh", "revision"
REVISE_MEMO = "revise_product"  # memo key: the product My products asked to change
SKIP = "skip"
MAX_PHOTOS = 5
FIELDS = ["name", "category", "materials", "size", "price", "capacity", "description",
          "photos", "packaging"]
LABELS = {
    "producer_code": N_("Producer code"),
    "name": N_("Product name"),
    "category": N_("Craft"),
    "materials": N_("Materials"),
    "size": N_("Size"),
    "price": N_("Price"),
    "capacity": N_("Made per month"),
    "description": N_("Description"),
    "photos": N_("Photos"),
    "packaging": N_("Packaging photo"),
}
# A product's status, as its submitter and curators read it.
STATUSES = {
    "submitted": N_("submitted"),
    "in_review": N_("in review"),
    "accepted": N_("accepted"),
    "needs_revision": N_("needs revision"),
    "rejected": N_("rejected"),
}
ADVICE = {
    "small": N_("Photo {n} is small: a curator needs at least 800 pixels on the short side. "
                "Send the original photo, not a screenshot."),
    "dark": N_("Photo {n} is too dark: try near a window, in daylight."),
    "blurred": N_("Photo {n} looks blurred: hold the phone still, or rest it on something, "
                  "and tap the product on the screen to focus."),
}


def _is_officer(ctx: Context) -> bool:
    return ctx.user is not None and ctx.user.role == domain.LAPAS_OFFICER


def _fields(ctx: Context) -> list[str]:
    return (["producer_code"] if _is_officer(ctx) else []) + FIELDS


# Lapas officers: who made it, by code


_CODE = re.compile(r"^([A-Z]{1,4})[- ]?(\d{1,5})$")
_LOOKS_LIKE_A_NAME = re.compile(r"^[^\W\d_]{2,}(?: [^\W\d_]{2,})+$")


class ProducerCode(Text):
    """'WB-017', 'wb 17', 'WB017'; the value is upper case with a dash: 'WB-017'."""

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        text = super().parse(inbound, ctx)
        if _LOOKS_LIKE_A_NAME.match(text):
            raise Invalid(ctx._("That looks like a person's name. Please use the maker's code "
                                "only (for example WB-017), never their name."))
        match = _CODE.match(text.upper().strip())
        if match is None:
            raise Invalid(ctx._("A producer code has a few letters and a number, for example "
                                "WB-017."))
        return f"{match.group(1)}-{match.group(2)}"


def _not_for_artisans(ctx: Context) -> str | None:
    return None if _is_officer(ctx) else "-"


# Photos


class Photos(Answer):
    """1 to 5 photos, sent together or as an album; the same photo twice is kept once."""

    takes_photos = True

    def parse(self, inbound: Inbound, ctx: Context) -> list[dict[str, Any]]:
        if not inbound.photos:
            raise Invalid(ctx._("Please send 1 to {n} photos of the product.").format(
                n=MAX_PHOTOS))
        kept = _distinct(inbound.photos)
        if len(kept) > MAX_PHOTOS:
            raise Invalid(ctx._("That is {m} photos: please send at most {n}, the best "
                                "ones.").format(m=len(kept), n=MAX_PHOTOS))
        ctx.memo["repeated"] = len(inbound.photos) - len(kept)
        return [_as_value(photo) for photo in kept]


class PackagingPhoto(Answer):
    """One photo of the packaging, or 'skip' when there is none yet."""

    takes_photos = True
    skip = Choice(choices=((SKIP, N_("No packaging photo")),),
                  words={SKIP: ("lewati", "skip", "tidak ada", "belum ada", "tidak", "no")})

    def options(self, ctx: Context) -> list[Option]:
        return self.skip.options(ctx)

    def parse(self, inbound: Inbound, ctx: Context) -> dict[str, Any] | None:
        if inbound.photos:
            photo = inbound.photos[0]
            known = [p.get("fingerprint") for p in ctx.answers.get("photos") or []]
            if photo.fingerprint and photo.fingerprint in known:
                raise Invalid(ctx._("That is one of the product photos. Please send a photo "
                                    "of the packaging, or choose to skip."))
            return _as_value(photo)
        try:
            self.skip.parse(inbound, ctx)
        except Invalid as error:
            raise Invalid(ctx._("Please send one photo of the packaging, or type lewati if "
                                "there is none.")) from error
        return None


def _distinct(photos: tuple[Photo, ...]) -> list[Photo]:
    seen: set[str] = set()
    kept = []
    for photo in photos:
        key = photo.fingerprint or photo.ref
        if key not in seen:
            seen.add(key)
            kept.append(photo)
    return kept


def _as_value(photo: Photo) -> dict[str, Any]:
    return {"path": photo.ref, "thumb": photo.thumb, "fingerprint": photo.fingerprint,
            "advice": list(photo.advice)}


def _photo_notes(ctx: Context) -> str | None:
    lines = []
    repeated = int(ctx.memo.pop("repeated", 0) or 0)
    if repeated:
        lines.append(ctx._("The same photo came more than once; it is kept once."))
    for n, photo in enumerate(ctx.answers["photos"], 1):
        lines += [ctx._(ADVICE[code]).format(n=n) for code in photo.get("advice", [])
                  if code in ADVICE]
    if len(lines) > (1 if repeated else 0):
        lines.append(ctx._("You can go on now, or send better photos later by changing "
                           "them in the summary."))
    return "\n".join(lines) or None


def _packaging_notes(ctx: Context) -> str | None:
    photo = ctx.answers.get("packaging")
    if not photo:
        return None
    lines = [ctx._(ADVICE[code]).format(n=1) for code in photo.get("advice", [])
             if code in ADVICE]
    return "\n".join(lines) or None


# Summary and saving


def _send_again(ctx: Context, product_id: int) -> str | None:
    product = ctx.session.get(Product, product_id)
    if not may_change(ctx, product):
        return ctx._("That product can no longer be changed.")
    assert product is not None
    a = ctx.answers
    for field in ("name", "category", "materials", "size", "description"):
        setattr(product, field, a[field])
    product.price, product.capacity = int(a["price"]), int(a["capacity"])
    product.photos, product.packaging_photo = list(a["photos"]), a.get("packaging")
    if product.lapas_id is not None:
        product.producer_code = a.get("producer_code")
    # Back in the queue; the curator's note stays, so the next curator sees what was asked.
    product.status, product.submitted_at, product.updated_at = "submitted", ctx.now, ctx.now
    product.decided_by = product.decided_at = None
    return ctx._("Thank you! The changed \"{name}\" has been sent for curation again."
                 ).format(name=product.name)


def show(ctx: Context, field: str, value: Any) -> str:
    if value in (None, "", "-"):
        return "-"
    if field == "category":
        return ctx._(domain.CATEGORIES.get(value, value))
    if field == "price":
        return ctx.tr.money(int(value))
    if field == "capacity":
        return ctx.tr.ngettext("{n} piece a month", "{n} pieces a month", int(value)).format(
            n=ctx.tr.number(int(value)))
    if field == "photos":
        return ctx.tr.ngettext("{n} photo", "{n} photos", len(value)).format(n=len(value))
    if field == "packaging":
        return ctx._("yes")
    return str(value)


def confirm_text(ctx: Context) -> str:
    lines = [ctx._("Please check your product:")]
    if ctx.answers.get("revising") is not None:
        product = ctx.session.get(Product, ctx.answers["revising"])
        if product is not None and product.curator_note:
            lines = [ctx._("The curator asked: {note}").format(note=product.curator_note),
                     ctx._("Change what is needed, then send it again."), "", *lines]
    lines += [f"{ctx._(LABELS[f])}: {show(ctx, f, ctx.answers.get(f))}" for f in _fields(ctx)]
    return "\n".join(lines) + "\n\n" + ctx._("Send it for curation?")


def _field_choices(ctx: Context) -> list[tuple[str, str]]:
    return [(f, LABELS[f]) for f in _fields(ctx)]


# Revising: a product a curator sent back, loaded into the answers to change and send again


def may_change(ctx: Context, product: Product | None) -> bool:
    """Only its submitter, or an officer of its Lapas, and only when sent back."""
    user = ctx.user
    if product is None or user is None or product.status != "needs_revision":
        return False
    if user.role == domain.LAPAS_OFFICER:
        return product.lapas_id is not None and product.lapas_id == user.lapas_id
    return product.owner_id == user.id


def _load(ctx: Context) -> str:
    product_id = ctx.memo.pop(REVISE_MEMO, None)
    product = ctx.session.get(Product, product_id) if product_id is not None else None
    if not may_change(ctx, product):
        return FRESH
    assert product is not None
    ctx.answers.update({
        NO_DRAFT: True, "revising": product.id, "producer_code": product.producer_code or "-",
        "name": product.name, "category": product.category, "materials": product.materials,
        "size": product.size, "price": product.price, "capacity": product.capacity,
        "description": product.description, "photos": list(product.photos),
        "packaging": product.packaging_photo,
    })
    return REVISION


def _send(ctx: Context) -> str | None:
    if ctx.answers["confirm"] != SEND:
        return None
    user = ctx.user
    assert user is not None and user.id is not None
    a = ctx.answers
    officer = _is_officer(ctx)
    if a.get("revising") is not None:
        return _send_again(ctx, int(a["revising"]))
    ctx.session.add(Product(
        owner_id=user.id, lapas_id=user.lapas_id if officer else None,
        producer_code=a.get("producer_code") if officer else None, province=user.province,
        name=a["name"], category=a["category"], materials=a["materials"], size=a["size"],
        price=int(a["price"]), capacity=int(a["capacity"]), description=a["description"],
        photos=list(a["photos"]), packaging_photo=a.get("packaging"), status="submitted",
        submitted_at=ctx.now, created_at=ctx.now, updated_at=ctx.now,
    ))
    return ctx._("Thank you! \"{name}\" has been sent for curation. You will hear from us "
                 "here when a curator has looked at it; see it any time under My products."
                 ).format(name=a["name"])


product = Flow("product", keeps_draft=True, steps=[
    # Never asked: a fresh product starts with the questions, a revision at its summary.
    Step("load", "", Choice(choices=((FRESH, FRESH), (REVISION, REVISION))),
         then={FRESH: "producer_code", REVISION: "confirm"}, known=_load),
    Step("producer_code",
         N_("Which inmate made it? Type their producer code, for example WB-017. "
            "Never write their name."),
         ProducerCode(min_len=2, max_len=20), known=_not_for_artisans),
    Step("name", N_("What is the product called? (for example: Kain Tenun Songket "
                    "Subahnale)"), Text(min_len=2, max_len=120)),
    Step("category", N_("Which craft is it?"),
         Choice(choices=tuple(domain.CATEGORIES.items()), words=domain.CATEGORY_WORDS)),
    Step("materials", N_("What is it made of? (for example: cotton thread, natural dyes)"),
         Text(min_len=2, max_len=200)),
    Step("size", N_("How big is it? (for example: 20 x 10 x 5 cm, or 200 x 60 cm)"),
         Text(min_len=1, max_len=80)),
    Step("price", N_("What is its price? (for example: Rp150.000, 150rb or 1,5 jt)"), Price()),
    Step("capacity", N_("How many can you make in a month? (a number of pieces, for "
                        "example: 50)"), Count(least=1, most=1_000_000)),
    Step("description", N_("Describe it in a few sentences: what makes it special, how it "
                           "is made."), Text(min_len=10, max_len=1000)),
    Step("photos", N_("Send 1 to 5 photos of the product together, in one go (choose them "
                      "all, then send). Good light and a plain background help the curator."),
         Photos(),
         done=_photo_notes),
    Step("packaging", N_("Do you have a photo of its packaging? Send it, or choose to skip."),
         PackagingPhoto(), done=_packaging_notes),
    Step("confirm", confirm_text,
         Choice(choices=((SEND, N_("Yes, send it")), (EDIT, N_("Change something"))),
                words={SEND: ("ya", "kirim", "benar", "yes", "send"),
                       EDIT: ("ubah", "ganti", "salah", "change", "edit")}),
         then={SEND: END, EDIT: "field"}, done=_send),
    Step("field", N_("What do you want to change?"), Choice(choices=_field_choices),
         then=EditField("field", back_to="confirm",
                        targets=("producer_code", *FIELDS))),
])
