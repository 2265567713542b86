"""Participant lists from the offices (CSV or XLSX) for `kriya users import`.

Columns: name, business, province, city, phone, categories, and optionally consent (the
date the person agreed to be contacted). Every row is checked first; a file with any bad
row imports nothing, and each bad row is reported by its number as the office sees it.
People already known by their phone are merged: what they told the bot themselves stays.
New people are reached on the channel whose addresses are phone numbers (WhatsApp); those
without a consent date get one invitation there (the template of kind `invitation`)
asking for it, and nothing else until they answer.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from conversations import provinces
from conversations.answers import parse_phone
from conversations.i18n import N_, translator
from conversations.messages import Outbound
from conversations.outbox import Message, MessageKind, Recipient, queue
from conversations.program_files import ProgramFileError, RowError, category_of
from conversations.provinces import zone_of
from conversations.vocabulary import ARTISAN
from storage import users
from storage.models import User

COLUMNS = ("name", "business", "province", "city", "phone", "categories", "consent")
REQUIRED = ("name", "province", "phone")
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


def read_table(path: Path) -> list[tuple[int, dict[str, Any]]]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            sheet = load_workbook(path, read_only=True, data_only=True).active
            values = list(sheet.values)
            header = [str(h or "").strip().lower() for h in (values[0] if values else ())]
            rows = [(n, dict(zip(header, row, strict=False)))
                    for n, row in enumerate(values[1:], 2) if any(v not in (None, "")
                                                                  for v in row)]
        elif suffix == ".csv":
            reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
            header = [(f or "").strip().lower() for f in reader.fieldnames or []]
            rows = [(n, {(k or "").strip().lower(): v for k, v in row.items()})
                    for n, row in enumerate(reader, 2)]
        else:
            raise ProgramFileError(f"{path}: use a .csv or .xlsx file")
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as error:
        if isinstance(error, ProgramFileError):
            raise
        raise ProgramFileError(f"cannot read {path}: {error}") from error
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ProgramFileError(f"{path}: missing column(s) {', '.join(missing)}")
    return rows


def _consent(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"consent {text!r} is not a date (e.g. 2026-11-01 or 1/11/2026)")


def check(rows: list[tuple[int, dict[str, Any]]]) -> list[Person]:
    people, errors, seen = [], [], {}
    for number, raw in rows:
        text = {k: " ".join(str(raw.get(k) or "").split()) for k in COLUMNS}
        problems = [f"{c} is empty" for c in REQUIRED if not text[c]]
        phone = parse_phone(text["phone"]) if text["phone"] else None
        if text["phone"] and phone is None:
            problems.append(f"phone {text['phone']!r} is not a valid Indonesian number")
        if phone in seen:
            problems.append(f"phone {text['phone']!r} is also on row {seen[phone]}")
        province = provinces.exact(text["province"]) or provinces.match(text["province"])[0]
        if text["province"] and province is None:
            problems.append(f"unknown province {text['province']!r}")
        categories = []
        for word in [w for w in text["categories"].replace(";", ",").split(",") if w.strip()]:
            code = category_of(word)
            if code is None:
                problems.append(f"unknown category {word.strip()!r}")
            else:
                categories.append(code)
        try:
            consent = _consent(raw.get("consent"))
        except ValueError as error:
            problems.append(str(error))
            consent = None
        if problems:
            errors.append(RowError(number, "; ".join(problems)))
            continue
        assert phone is not None and province is not None
        seen[phone] = number
        people.append(Person(number, text["name"][:80], text["business"][:80], province.name,
                             text["city"][:60], phone, list(dict.fromkeys(categories)),
                             consent))
    if errors:
        raise ProgramFileError(errors)
    return people


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
