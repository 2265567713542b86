"""Program files (CSV or YAML) for `kriya programs import`: read, checked row by row.

A file is imported whole or not at all: every bad row is reported with its number first.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from conversations import provinces, vocabulary
from conversations.answers import fold

FIELDS = (
    "id", "kind", "title", "organiser", "description", "venue", "province", "categories",
    "starts_at", "ends_at", "registration_deadline", "timezone", "quota", "audience",
    "requires_curated_product", "mode", "funding_routes",
)
MODES = ("offline", "online", "hybrid")
# A venue that names no place but the internet: the program is online unless told otherwise.
ONLINE_VENUES = {"daring", "online", "zoom"}
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")
YES = {"yes", "y", "ya", "true", "1"}
NO = {"no", "n", "tidak", "false", "0"}


@dataclass
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


class ProgramFileError(ValueError):
    def __init__(self, errors: list[RowError] | str) -> None:
        self.errors = errors if isinstance(errors, list) else []
        text = errors if isinstance(errors, str) else "; ".join(str(e) for e in errors)
        super().__init__(text)


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(row number as the user sees it, raw fields) for every program in the file."""
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ProgramFileError(f"cannot read {path}: {error}") from error
    if suffix in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ProgramFileError(f"{path} is not valid YAML: {error}") from error
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ProgramFileError(f"{path} must be a YAML list of programs (mappings)")
        return [(n, item) for n, item in enumerate(data, 1)]
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        unknown = [f for f in reader.fieldnames or [] if f and f.strip() not in FIELDS]
        if unknown:
            raise ProgramFileError(f"unknown column(s) {', '.join(unknown)} in {path}")
        return [
            (n, {k.strip(): v for k, v in row.items() if k})
            for n, row in enumerate(reader, 2)
        ]
    raise ProgramFileError(f"{path}: use a .csv, .yaml or .yml file")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return " ".join(str(value).split()) if not isinstance(value, str) else value.strip()


def category_of(word: str) -> str | None:
    """The craft code a word names (its code, label or a usual word for it), if any."""
    wanted = fold(word)
    for code, label in vocabulary.CATEGORIES.items():
        words = vocabulary.CATEGORY_WORDS.get(code, ())
        names = {fold(code), fold(label)} | {fold(w) for w in words}
        if wanted in names:
            return code
    return None


def _moment(value: Any, zone: ZoneInfo, end_of_day: bool) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(23, 59) if end_of_day else time(0, 0))
    else:
        text = _text(value).replace(" ", "T", 1) if "T" not in _text(value) else _text(value)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time(23, 59) if end_of_day else time(0, 0))
        else:
            moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _funding(value: Any) -> list[dict[str, Any]]:
    routes = []
    for part in _text(value).split(","):
        part = part.strip().lower()
        if not part:
            continue
        route, _, seats = part.partition(":")
        route = route.strip()
        if route not in vocabulary.FUNDING_ROUTES:
            raise ValueError(
                f"unknown funding route {route!r} (use {', '.join(vocabulary.FUNDING_ROUTES)})"
            )
        entry: dict[str, Any] = {"route": route}
        if seats.strip():
            if not seats.strip().isdigit() or int(seats) < 1:
                raise ValueError(f"seats for {route} must be a whole number above 0")
            entry["seats"] = int(seats)
        routes.append(entry)
    return routes


def _identity(raw: dict[str, Any]) -> tuple[str, str, str]:
    """The program's id, kind and title."""
    slug = _text(raw.get("id")).lower()
    if not SLUG.match(slug):
        raise ValueError("id must be a short slug of a-z, 0-9 and '-' (e.g. tei-2027)")
    kind = _text(raw.get("kind")).lower()
    if kind not in vocabulary.PROGRAM_KINDS:
        raise ValueError(f"kind must be one of {', '.join(vocabulary.PROGRAM_KINDS)}")
    title = _text(raw.get("title"))
    if not title:
        raise ValueError("title is empty")
    return slug, kind, title


def _place(raw: dict[str, Any]) -> tuple[str, ZoneInfo]:
    """The province (or nasional) and the zone the program's times are in."""
    province_text = _text(raw.get("province")) or provinces.NATIONAL
    if fold(province_text) in ("nasional", "national"):
        province, default_zone = provinces.NATIONAL, provinces.WIB
    else:
        found = provinces.exact(province_text)
        if found is None:
            raise ValueError(f"unknown province {province_text!r}")
        province, default_zone = found.name, found.zone
    zone_name = _text(raw.get("timezone")) or default_zone
    try:
        return province, ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown timezone {zone_name!r}") from error


def _categories(raw: dict[str, Any]) -> list[str]:
    categories = []
    for word in _text(raw.get("categories")).split(","):
        if word.strip():
            code = category_of(word)
            if code is None:
                raise ValueError(f"unknown category {word.strip()!r}")
            categories.append(code)
    return categories


def _dates(raw: dict[str, Any], zone: ZoneInfo
           ) -> tuple[datetime, datetime, datetime | None]:
    """When it starts and ends, and when registration closes (if it does)."""
    if not _text(raw.get("starts_at")):
        raise ValueError("starts_at is empty")
    try:
        starts = _moment(raw["starts_at"], zone, end_of_day=False)
        ends = _moment(raw["ends_at"], zone, True) if _text(raw.get("ends_at")) else starts
        deadline_raw = raw.get("registration_deadline")
        deadline = _moment(deadline_raw, zone, True) if _text(deadline_raw) else None
    except ValueError as error:
        raise ValueError(f"a date is not ISO 8601 (2027-03-21T09:00+07:00): {error}") from error
    if ends < starts:
        raise ValueError("ends_at is before starts_at")
    if deadline is not None and deadline > ends:
        raise ValueError("registration_deadline is after the program ends")
    return starts, ends, deadline


def _who(raw: dict[str, Any], kind: str) -> tuple[int | None, str, bool]:
    """Its seats, its audience, and whether it needs a curated product."""
    quota_text = _text(raw.get("quota"))
    if quota_text and (not quota_text.isdigit() or int(quota_text) < 1):
        raise ValueError("quota must be a whole number above 0, or empty for no limit")
    audience = _text(raw.get("audience")).lower() or "both"
    if audience not in vocabulary.AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(vocabulary.AUDIENCES)}")
    curated_text = _text(raw.get("requires_curated_product")).lower()
    if curated_text and curated_text not in YES | NO:
        raise ValueError("requires_curated_product must be yes or no")
    curated = curated_text in YES if curated_text else kind == "pameran"
    return (int(quota_text) if quota_text else None), audience, curated


def _mode(raw: dict[str, Any], venue: str) -> str:
    """Offline, online or hybrid; an online program's times are read in each reader's zone."""
    mode = _text(raw.get("mode")).lower()
    if not mode:
        return "online" if fold(venue) in ONLINE_VENUES else "offline"
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    return mode


def program_values(raw: dict[str, Any]) -> dict[str, Any]:
    """Checked values of one program; ValueError says what is wrong in plain words."""
    unknown = [k for k in raw if k not in FIELDS]
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(map(str, unknown))}")
    slug, kind, title = _identity(raw)
    province, zone = _place(raw)
    categories = _categories(raw)
    starts, ends, deadline = _dates(raw, zone)
    quota, audience, curated = _who(raw, kind)
    venue = _text(raw.get("venue"))[:200]
    return {
        "id": slug, "kind": kind, "title": title[:200],
        "organiser": _text(raw.get("organiser"))[:200],
        "description": _text(raw.get("description"))[:4000],
        "venue": venue,
        "province": province, "categories": categories,
        "starts_at": starts, "ends_at": ends, "timezone": zone.key,
        "registration_deadline": deadline, "quota": quota, "audience": audience,
        "requires_curated_product": curated, "mode": _mode(raw, venue),
        "funding_routes": _funding(raw.get("funding_routes")),
    }


def check_rows(rows: list[tuple[int, dict[str, Any]]],
               refuse: Callable[[dict[str, Any]], str | None] | None = None
               ) -> list[dict[str, Any]]:
    """Every row checked (and, by `refuse`, what only the database knows: whose program
    an id is); raises with all the bad rows if any."""
    programs, errors, seen = [], [], {}
    for number, raw in rows:
        try:
            values = program_values(raw)
        except ValueError as error:
            errors.append(RowError(number, str(error)))
            continue
        if values["id"] in seen:
            errors.append(RowError(number, f"id {values['id']} repeats row {seen[values['id']]}"))
            continue
        if refuse is not None and (why := refuse(values)) is not None:
            errors.append(RowError(number, why))
            continue
        seen[values["id"]] = number
        programs.append(values)
    if errors:
        raise ProgramFileError(errors)
    if not programs:
        raise ProgramFileError("the file holds no programs")
    return programs
