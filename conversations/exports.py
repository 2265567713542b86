"""The sign-ups of a program as organisers need them: one row per sign-up, in order of
arrival, with contact, crafts, products and their photos, funding route and status.

A Lapas' sign-up names the Lapas and its producers' codes, never a person: not the
inmates who made the products, nor the officer who signed up.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from conversations import lapas, signups, vocabulary
from conversations.i18n import N_, Translator, translator
from storage import exports
from storage.media import MediaStore
from storage.models import Product, Program, Registration, User
from storage.statuses import SignUpStatus

# What a chat message shows of an applicant; the list file has all of it.
SHOWN_PRODUCTS, SHOWN_NOTES = 3, 160
# The organisers' zone: every time in the file is in WIB, whoever signed up where.
FILE_ZONE = "Asia/Jakarta"

HEADERS = (
    N_("Name"), N_("Business"), N_("Province"), N_("City or regency"), N_("Phone number"),
    N_("Crafts"), N_("Lapas"), N_("Producer codes"), N_("Products"), N_("Photos"),
    N_("Funding route"), N_("Status"), N_("Waiting list position"), N_("Signed up (WIB)"),
    N_("Notes"),
)


def _products(session: Session, registration: Registration) -> list[Product]:
    found = (session.get(Product, i) for i in registration.product_ids)
    return [p for p in found if p is not None]


def registration_rows(
    session: Session, program: Program, tr: Translator, media_dir: str | Path
) -> tuple[list[str], list[list[exports.Cell]]]:
    """The header and the rows of a program's sign-ups."""
    root = Path(media_dir).resolve()
    wib = translator(tr.lang, FILE_ZONE)
    rows: list[list[exports.Cell]] = []
    waiting = 0
    for registration in signups.of_program(session, program.id):
        person = session.get(User, registration.user_id)
        workshop = lapas.get(session, registration.lapas_id)
        products = _products(session, registration)
        photos = [str(root / photo["path"]) for p in products for photo in p.photos]
        position = None
        if registration.status == SignUpStatus.WAITLISTED:
            waiting += 1
            position = waiting
        if workshop is not None:
            name, business = "", workshop.name
            crafts = sorted({p.category for p in products})
            codes = ", ".join(sorted({p.producer_code for p in products if p.producer_code}))
            province, city = workshop.province, ""
        else:
            name = person.name if person is not None else ""
            business = person.business_name if person is not None else ""
            crafts = list(person.categories) if person is not None else []
            codes = ""
            province = person.province if person is not None else ""
            city = person.city if person is not None else ""
        route = registration.funding_route
        rows.append([
            name or "", business or "", province or "", city or "",
            (person.phone or person.address) if person is not None else "",
            ", ".join(tr._(vocabulary.CATEGORIES.get(c, c)) for c in crafts),
            workshop.name if workshop is not None else "", codes,
            "; ".join(p.name for p in products), "; ".join(photos),
            tr._(vocabulary.FUNDING_ROUTES.get(route, route)) if route else "",
            tr._(N_("applied, waiting for the selection"))
            if registration.status == SignUpStatus.CONFIRMED and signups.has_selection(program)
            else tr._(signups.STATUS_LABELS.get(registration.status, registration.status)),
            position,
            wib.local(registration.signed_up_at).replace(tzinfo=None), registration.notes,
        ])
    return [tr._(h) for h in HEADERS], rows


def file_name(program: Program, fmt: str, now: datetime) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", program.id.lower()).strip("-") or "program"
    return f"pendaftar-{slug}-{now.astimezone(translator('id', FILE_ZONE).tz):%Y%m%d-%H%M}.{fmt}"


def save_registrations(
    session: Session, program: Program, tr: Translator, media_dir: str | Path, fmt: str,
    now: datetime,
) -> tuple[str, str, int]:
    """The file of a program's sign-ups, kept in the media store: its path there, the name
    to show it with, and how many sign-ups it holds."""
    headers, rows = registration_rows(session, program, tr, media_dir)
    path = exports.save(MediaStore(media_dir), fmt, headers, rows, program.title)
    return path, file_name(program, fmt, now), len(rows)


def write_registrations(
    session: Session, program: Program, tr: Translator, media_dir: str | Path, out: Path
) -> int:
    headers, rows = registration_rows(session, program, tr, media_dir)
    exports.write(out, headers, rows, program.title)
    return len(rows)


def registrations_file(
    session: Session, program: Program, tr: Translator, media_dir: str | Path, fmt: str
) -> tuple[bytes, int]:
    """The file of a program's sign-ups as bytes, to be downloaded: the same file
    `write_registrations` writes; and how many sign-ups it holds."""
    headers, rows = registration_rows(session, program, tr, media_dir)
    return exports.to_bytes(fmt, headers, rows, program.title), len(rows)


def describe_party(session: Session, registration: Registration, tr: Translator) -> list[str]:
    """An applicant as staff see them while selecting."""
    _ = tr._
    person = session.get(User, registration.user_id)
    workshop = lapas.get(session, registration.lapas_id)
    lines = []
    if workshop is not None:
        lines.append(_("Lapas: {name}").format(name=workshop.name))
    elif person is not None:
        lines.append(f"{person.name or '-'}, {person.business_name or '-'}")
        lines.append(f"{person.city or '-'}, {person.province or '-'}")
        if person.categories:
            lines.append(_("Crafts: {crafts}").format(crafts=", ".join(
                _(vocabulary.CATEGORIES.get(c, c)) for c in person.categories)))
    products = _products(session, registration)
    for product in products[:SHOWN_PRODUCTS]:  # a chat message stays short
        code = f" [{product.producer_code}]" if product.producer_code else ""
        lines.append(_("Product: {name}{code}, {price}").format(
            name=product.name, code=code, price=tr.money(product.price)))
    if len(products) > SHOWN_PRODUCTS:
        lines.append(_("and {n} more in the list file").format(
            n=len(products) - SHOWN_PRODUCTS))
    if registration.notes:
        notes = registration.notes
        lines.append(_("Notes: {notes}").format(
            notes=notes if len(notes) <= SHOWN_NOTES else notes[:SHOWN_NOTES - 1] + "…"))
    lines.append(_("Applied: {when}").format(when=tr.datetime(registration.signed_up_at)))
    return lines
