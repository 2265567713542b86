"""My data (UU PDP): see what is kept, change a field, or delete everything.

    view -> field -> (one field) -> view
         -> delete -> END
"""

from __future__ import annotations

from conversations import lapas, users, vocabulary
from conversations.answers import Invalid
from conversations.choices import NO, YES, Choice, MultiChoice
from conversations.context import Context
from conversations.flow import END, EditField, Flow, Step
from conversations.flows import fields
from conversations.i18n import N_, translator
from conversations.messages import Inbound, Option
from conversations.provinces import zone_of

EDIT, DELETE = "edit", "delete"


def _fields(ctx: Context) -> list[str]:
    role = ctx.user.role if ctx.user is not None else None
    return fields.ARTISAN_FIELDS if role == vocabulary.ARTISAN else fields.OFFICER_FIELDS


def view_text(ctx: Context) -> str:
    user = ctx.user
    assert user is not None
    values = {field: getattr(user, column) for field, column in fields.COLUMNS.items()}
    lines = [ctx._("The data we keep about you:"), fields.summary(ctx, values, _fields(ctx))]
    if user.role == vocabulary.LAPAS_OFFICER:
        workshop = lapas.get(ctx.session, user.lapas_id)
        lines.append(ctx._("Lapas: {name}").format(name=workshop.name if workshop else "-"))
    role = ctx._(vocabulary.ROLES[user.role]) if user.role in vocabulary.ROLES else "-"
    lines.append(ctx._("Registered as: {role}").format(role=role))
    if user.consent_at is not None:
        lines.append(ctx._("Consent given: {date}").format(date=ctx.tr.date(user.consent_at)))
    return "\n".join(lines)


def _field_choices(ctx: Context) -> list[tuple[str, str]]:
    return [(f, fields.LABELS[f]) for f in _fields(ctx)]


def _save(ctx: Context) -> str | None:
    user = ctx.user
    assert user is not None
    field = ctx.answers["field"]
    setattr(user, fields.COLUMNS[field], ctx.answers[field])
    user.updated_at = ctx.now
    if field == "province":
        # The user's zone follows their province.
        ctx.tr = translator(ctx.tr.lang, zone_of(user.province, ctx.settings.default_zone))
    return ctx._("Saved.")


def _delete(ctx: Context) -> str | None:
    if ctx.answers["delete"] != YES:
        return None
    ctx.forget = True  # the engine erases them (conversations.users.erase)
    return ctx._("All your data has been deleted. Thank you for using Kriya. "
                 "Send a message any time to register again.")


def delete_text(ctx: Context) -> str:
    """What erasure ends, before the yes: places in programs and products with curators."""
    assert ctx.user is not None
    programs, products = users.what_erasure_ends(ctx.session, ctx.user)
    lines = [ctx._("Delete all your data? Your account and everything you sent will be "
                   "erased. This cannot be undone.")]
    if programs:
        lines.append(ctx._("These sign-ups will be cancelled and your place given to "
                           "others: {titles}.").format(titles="; ".join(programs)))
    if products:
        lines.append(ctx._("These products waiting for curation will be withdrawn: "
                           "{names}.").format(names=", ".join(products)))
    return "\n\n".join(lines)


class CraftToggle(MultiChoice):
    """Crafts to add or remove: the numbers chosen switch each one on or off."""

    def options(self, ctx: Context) -> list[Option]:
        mine = set(_current_crafts(ctx))
        return [Option(o.key, f"{o.label} ✔" if o.key in mine else o.label, o.number)
                for o in super().options(ctx)]

    def parse(self, inbound: Inbound, ctx: Context) -> list[str]:
        chosen = super().parse(inbound, ctx)
        current = _current_crafts(ctx)
        if len(chosen) > 1 and set(current) <= set(chosen):
            return chosen  # the whole list typed again, as registration asked it ("3, 4")
        result = [c for c in current if c not in chosen] + [c for c in chosen
                                                             if c not in current]
        if not result:
            raise Invalid(ctx._("Keep at least one craft: choose another before removing "
                                "the last one."))
        return result


def _current_crafts(ctx: Context) -> list[str]:
    return list(ctx.user.categories or []) if ctx.user is not None else []


def crafts_text(ctx: Context) -> str:
    return ctx._("Your crafts now: {crafts}. Choose numbers to add or remove (✔ = yours "
                 "now), for example: 3, 5.").format(
        crafts=fields.show_categories(ctx, _current_crafts(ctx)))


profile = Flow("profile", title=N_("My data"), steps=[
    Step("view", view_text,
         Choice(choices=((EDIT, N_("Change my data")), (DELETE, N_("Delete all my data"))),
                words={EDIT: ("ubah", "ganti", "change"), DELETE: ("hapus", "delete")}),
         then={EDIT: "field", DELETE: "delete"}),
    Step("field", N_("What do you want to change?"), Choice(choices=_field_choices),
         then=EditField("field", back_to="view", targets=tuple(fields.ARTISAN_FIELDS))),
    fields.name(then="view", on_answer=_save),
    fields.business(then="view", on_answer=_save),
    fields.province(then="view", on_answer=_save),
    fields.city(then="view", on_answer=_save),
    Step("categories", crafts_text,
         CraftToggle(choices=tuple(vocabulary.CATEGORIES.items()),
                     words=vocabulary.CATEGORY_WORDS, label=fields.LABELS["categories"]),
         then="view", on_answer=_save),
    fields.phone(then="view", on_answer=_save, from_channel=False),
    Step("delete", delete_text,
         Choice(choices=((YES, N_("Yes, delete everything")), (NO, N_("No, keep my data"))),
                words={YES: ("ya", "iya", "yes", "hapus", "hapus semua", "delete"),
                       NO: ("tidak", "tdk", "no", "jangan", "batal")}),
         then={YES: END, NO: "view"}, on_answer=_delete),
])
