"""Sending a product for curation, by an artisan or a Lapas officer for their Lapas.

    [producer_code] -> name -> category -> materials -> size -> price -> capacity
      -> description -> photos -> packaging -> confirm (send, or change one field and come back)

`producer_code` is asked of Lapas officers only: the inmate who made the product is named by
a code, never by name. Left unfinished, the answers are kept as a draft and resume.
Started with `revise=<product id>` (from My products), it loads a product the curator
sent back and starts at its summary; that work keeps no draft.
"""

from __future__ import annotations

import re
from typing import Any

from conversations import curation, vocabulary
from conversations.answers import Answer, Count, Invalid, Price, Text
from conversations.choices import Choice
from conversations.context import Context
from conversations.flow import END, EditField, Entry, Flow, Step
from conversations.i18n import N_
from conversations.messages import Inbound, Option, Photo
from conversations.photos import distinct, same_picture

SEND, EDIT = "send", "edit"
REVISING = "revising"  # scratch: the id of the product being revised
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
ADVICE = {
    "small": N_("Photo {n} is small: a curator needs at least 800 pixels on the short side. "
                "Send the original photo, not a screenshot."),
    "dark": N_("Photo {n} is too dark: try near a window, in daylight."),
    "blurred": N_("Photo {n} looks blurred: hold the phone still, or rest it on something, "
                  "and tap the product on the screen to focus."),
}


def _is_officer(ctx: Context) -> bool:
    return ctx.user is not None and ctx.user.role == vocabulary.LAPAS_OFFICER


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
        kept = distinct(inbound.photos)
        if len(kept) > MAX_PHOTOS:
            raise Invalid(ctx._("That is {m} photos: please send at most {n}, the best "
                                "ones.").format(m=len(kept), n=MAX_PHOTOS))
        ctx.cache["repeated"] = len(inbound.photos) - len(kept)
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
            if any(same_picture(photo.fingerprint, p.get("fingerprint"))
                   for p in ctx.answers.get("photos") or []):
                raise Invalid(ctx._("That is one of the product photos. Please send a photo "
                                    "of the packaging, or choose to skip."))
            return _as_value(photo)
        try:
            self.skip.parse(inbound, ctx)
        except Invalid as error:
            raise Invalid(ctx._("Please send one photo of the packaging, or type lewati if "
                                "there is none.")) from error
        return None


def _as_value(photo: Photo) -> dict[str, Any]:
    return {"path": photo.ref, "thumb": photo.thumb, "fingerprint": photo.fingerprint,
            "advice": list(photo.advice)}


def _photo_notes(ctx: Context) -> str | None:
    lines = []
    repeated = int(ctx.cache.pop("repeated", 0) or 0)
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


def show(ctx: Context, field: str, value: Any) -> str:
    if value in (None, "", "-"):
        return "-"
    if field == "category":
        return ctx._(vocabulary.CATEGORIES.get(value, value))
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
    if ctx.scratch.get(REVISING) is not None:
        product = curation.get(ctx.session, ctx.scratch[REVISING])
        if product is not None and product.curator_note:
            lines = [ctx._("The curator asked: {note}").format(note=product.curator_note),
                     ctx._("Change what is needed, then send it again."), "", *lines]
    lines += [f"{ctx._(LABELS[f])}: {show(ctx, f, ctx.answers.get(f))}" for f in _fields(ctx)]
    return "\n".join(lines) + "\n\n" + ctx._("Send it for curation?")


def _field_choices(ctx: Context) -> list[tuple[str, str]]:
    return [(f, LABELS[f]) for f in _fields(ctx)]


# Revising: a product a curator sent back, loaded into the answers to change and send again


def _start_at(ctx: Context) -> str:
    """A product to revise starts at its summary, with its values as the answers; a new
    one with the questions."""
    product = curation.get(ctx.session, ctx.arguments.get("revise"))
    if not curation.may_change(ctx.user, product):
        return "producer_code"
    assert product is not None
    ctx.scratch[REVISING] = product.id
    ctx.answers.update({
        "producer_code": product.producer_code or "-", "name": product.name,
        "category": product.category, "materials": product.materials, "size": product.size,
        "price": product.price, "capacity": product.capacity,
        "description": product.description, "photos": list(product.photos),
        "packaging": product.packaging_photo,
    })
    return "confirm"


def _keeps_draft(ctx: Context) -> bool:
    # Work on a product already sent must not take the place of a draft of a new one.
    return REVISING not in ctx.scratch


def _values(ctx: Context) -> dict[str, Any]:
    a = ctx.answers
    return {"name": a["name"], "category": a["category"], "materials": a["materials"],
            "size": a["size"], "price": int(a["price"]), "capacity": int(a["capacity"]),
            "description": a["description"], "photos": list(a["photos"]),
            "packaging_photo": a.get("packaging")}


def _send(ctx: Context) -> str | None:
    if ctx.answers["confirm"] != SEND:
        return None
    user = ctx.user
    assert user is not None and user.id is not None
    code = ctx.answers.get("producer_code") if _is_officer(ctx) else None
    if ctx.scratch.get(REVISING) is not None:
        product = curation.resubmit(ctx.session, user, int(ctx.scratch[REVISING]),
                                    _values(ctx), ctx.now, code)
        if product is None:
            return ctx._("That product can no longer be changed.")
        return ctx._("Thank you! The changed \"{name}\" has been sent for curation again."
                     ).format(name=product.name)
    curation.submit(ctx.session, user, _values(ctx), ctx.now, code)
    return ctx._("Thank you! \"{name}\" has been sent for curation. You will hear from us "
                 "here when a curator has looked at it; see it any time under My products."
                 ).format(name=ctx.answers["name"])


product = Flow("product", title=N_("Send a product"), work=True, keeps_draft=_keeps_draft,
               entry=Entry(_start_at, ("producer_code", "confirm")), steps=[
    Step("producer_code",
         N_("Which inmate made it? Type their producer code, for example WB-017. "
            "Never write their name."),
         ProducerCode(min_len=2, max_len=20), known_answer=_not_for_artisans),
    Step("name", N_("What is the product called? (for example: Kain Tenun Songket "
                    "Subahnale)"), Text(min_len=2, max_len=120)),
    Step("category", N_("Which craft is it?"),
         Choice(choices=tuple(vocabulary.CATEGORIES.items()), words=vocabulary.CATEGORY_WORDS)),
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
         on_answer=_photo_notes),
    Step("packaging", N_("Do you have a photo of its packaging? Send it, or choose to skip."),
         PackagingPhoto(), on_answer=_packaging_notes),
    Step("confirm", confirm_text,
         Choice(choices=((SEND, N_("Yes, send it")), (EDIT, N_("Change something"))),
                words={SEND: ("ya", "kirim", "benar", "yes", "send"),
                       EDIT: ("ubah", "ganti", "salah", "change", "edit")}),
         then={SEND: END, EDIT: "field"}, on_answer=_send),
    Step("field", N_("What do you want to change?"), Choice(choices=_field_choices),
         then=EditField("field", back_to="confirm",
                        targets=("producer_code", *FIELDS))),
])
