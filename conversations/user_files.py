"""Participant lists from the offices (CSV or XLSX) for `kriya users import`.

Columns: name, business, province, city, phone, categories, and optionally consent (the
date the person agreed to be contacted), headed in Bahasa Indonesia or English (`COLUMNS`)
and read as `table_files` reads every office's table. Every row is checked first; a file
with any bad row imports nothing, and each bad row is reported by its number as the
office sees it.
People already known by their phone are merged: what they told the bot themselves stays.
New people are reached on the channel whose addresses are phone numbers (WhatsApp); those
without a consent date get one invitation there (the template of kind `invitation`)
asking for it, and nothing else until they answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from conversations import provinces, table_files
from conversations.answers import parse_phone
from conversations.cells import as_text, date_of, phone_text
from conversations.i18n import N_, translator
from conversations.messages import Outbound
from conversations.outbox import Message, MessageKind, Recipient, queue
from conversations.problems import Problem, ProgramFileError, row_error
from conversations.program_files import category_of
from conversations.provinces import zone_of
from conversations.table_files import Columns, Table
from conversations.vocabulary import ARTISAN
from storage import users
from storage.models import User

FIELDS = ("name", "business", "province", "city", "phone", "categories", "consent")
REQUIRED = ("name", "province", "phone")
COLUMNS = Columns({
    "name": ("nama", "nama lengkap", "nama peserta", "full name"),
    "business": ("nama usaha", "usaha", "business name", "nama ikm", "ikm"),
    "province": ("provinsi",),
    "city": ("kota", "kabupaten", "kota/kabupaten", "kabupaten/kota", "kab/kota", "regency"),
    "phone": ("no hp", "nomor hp", "hp", "telepon", "no telepon", "nomor telepon", "no telp",
              "telp", "no wa", "nomor wa", "wa", "whatsapp", "no whatsapp", "no hp/wa",
              "nomor hp/wa", "hp/wa", "phone number", "telephone"),
    "categories": ("kerajinan", "jenis kerajinan", "kategori", "category", "craft",
                   "crafts"),
    "consent": ("persetujuan", "tanggal persetujuan", "consent date"),
}, REQUIRED)
INVITATION = N_("Hello {name}! {business} is on your trade office's list for Kriya, which "
                "tells craft businesses about programs, training and exhibitions. Reply to "
                "this message if you agree to receive them.")


@dataclass
class Person:
    row: int
    name: str
    business: str
    province: str
    city: str
    phone: str
    categories: list[str]
    consent: date | None


def read_table(path: Path, sheet: str | None = None, ignore_unknown: bool = False) -> Table:
    """The people of an office's file, by field, each row numbered as the sheet shows it."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ProgramFileError(Problem(N_("cannot read {name}: {error}"), name=str(path),
                                       error=error.strerror or error)) from error
    return table_files.read_table(data, path.suffix.lower(), str(path), COLUMNS,
                                  sheet=sheet, ignore_unknown=ignore_unknown)


def check(table: Table) -> list[Person]:
    """Every row checked; ProgramFileError with every problem of every bad row, if any."""
    people, errors, seen = [], [], {}
    for number, raw in table.rows:
        person, problems = _person(number, raw)
        if person is not None and person.phone in seen:
            problems.append(Problem(N_("phone {typed} is also on row {row}"), "phone",
                                    typed=as_text(raw.get("phone")), row=seen[person.phone]))
        if problems:
            errors.extend(row_error(number, problem, table.headers) for problem in problems)
            continue
        assert person is not None
        seen[person.phone] = number
        people.append(person)
    if errors:
        raise ProgramFileError(errors)
    return people


def _person(number: int, raw: dict[str, Any]) -> tuple[Person | None, list[Problem]]:
    text = {k: as_text(raw.get(k)) for k in FIELDS}
    problems = [Problem(N_("{column} is empty"), c, column=c) for c in REQUIRED if not text[c]]
    phone = None
    try:
        phone = parse_phone(phone_text(raw.get("phone"))) if text["phone"] else None
        if text["phone"] and phone is None:
            problems.append(Problem(N_("phone {typed} is not a valid Indonesian number"),
                                    "phone", typed=text["phone"]))
    except Problem as problem:
        problems.append(problem)
    province = provinces.exact(text["province"]) or provinces.match(text["province"])[0]
    if text["province"] and province is None:
        problems.append(Problem(N_("unknown province {province!r}"), "province",
                                province=text["province"]))
    categories = []
    for word in [w for w in text["categories"].replace(";", ",").split(",") if w.strip()]:
        code = category_of(word)
        if code is None:
            problems.append(Problem(N_("unknown category {category!r}"), "categories",
                                    category=word.strip()))
        categories.append(code)
    consent = None
    try:
        consent = date_of(raw["consent"]) if text["consent"] else None
    except ValueError:
        problems.append(Problem(N_("consent {typed} is not a date (e.g. 1/11/2026, "
                                   "1 November 2026 or 2026-11-01)"), "consent",
                                typed=text["consent"]))
    if problems or phone is None or province is None:
        return None, problems
    return Person(number, text["name"][:80], text["business"][:80], province.name,
                  text["city"][:60], phone, list(dict.fromkeys(c for c in categories if c)),
                  consent), []


def merge(session: Session, people: list[Person], now: datetime, channel: str
          ) -> tuple[int, int, int]:
    """Add or merge everyone, new people at their phone number on `channel`; returns
    (added, merged, invited)."""
    added = merged = invited = 0
    for person in people:
        user = users.with_phone(session, person.phone)
        if user is None:
            user = User(channel=channel, address=person.phone, phone=person.phone,
                        role=ARTISAN, created_at=now, updated_at=now)
            session.add(user)
            added += 1
        else:
            merged += 1
        # What the person told the bot themselves is kept; the office's list fills gaps.
        user.name = user.name or person.name
        user.business_name = user.business_name or person.business or None
        user.province = user.province or person.province
        user.city = user.city or person.city or None
        user.categories = user.categories or person.categories
        if person.consent is not None and user.consent_at is None:
            user.consent_at = datetime.combine(person.consent, datetime.min.time(), UTC)
            user.consent_version = "office-list"
            user.registered_at = user.registered_at or now
        session.flush()
        if user.consent_at is None and user.channel == channel:
            invited += _invite(session, user, person, now)
    return added, merged, invited


def _invite(session: Session, user: User, person: Person, now: datetime) -> int:
    """One invitation to give consent, as the template of its kind; 0 if sent before."""
    tr = translator("id", zone_of(person.province, "Asia/Jakarta"))
    text = tr._(INVITATION).format(name=person.name,
                                   business=person.business or tr._("Your business"))
    payload = {**Outbound(text=text).to_payload(), "as_template": True}
    return queue(session, [Message(Recipient.of(user), MessageKind.INVITATION,
                                   f"invitation:{user.address}", payload)], now, once=True)
