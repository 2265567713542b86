"""Program files (CSV, XLSX or YAML) for `kriya programs import` and the console: read,
checked row by row.

A file is imported whole or not at all: every bad row is reported with its number first.
Each problem is an English message marked for translation with the values to put in it, so
the command line prints English and the console the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from conversations import provinces, vocabulary
from conversations.answers import fold
from conversations.cells import moment_of
from conversations.i18n import N_
from conversations.problems import Problem, ProgramFileError, RowError, row_error
from conversations.table_files import Columns, Table, decoded, read_table

__all__ = ["FIELDS", "PROGRAM_COLUMNS", "Problem", "ProgramFileError", "RowError",
           "check_rows", "checked", "program_values", "read_rows", "rows_of"]

FIELDS = (
    "id", "kind", "title", "organiser", "description", "venue", "province", "categories",
    "starts_at", "ends_at", "registration_deadline", "timezone", "quota", "audience",
    "requires_curated_product", "mode", "funding_routes",
)
MODES = ("offline", "online", "hybrid")
MODE_WORDS = {"luring": "offline", "tatap muka": "offline", "daring": "online",
              "hibrida": "hybrid", "campuran": "hybrid"}  # as offices write them
# A venue that names no place but the internet: the program is online unless told otherwise.
ONLINE_VENUES = {"daring", "online", "zoom"}
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")
YES = {"yes", "y", "ya", "true", "1"}
NO = {"no", "n", "tidak", "false", "0"}


PROGRAM_COLUMNS = Columns({
    "id": ("kode", "kode program"), "kind": ("jenis", "jenis program"),
    "title": ("judul", "nama program", "nama kegiatan"),
    "organiser": ("penyelenggara", "organizer"), "description": ("deskripsi", "keterangan"),
    "venue": ("tempat", "lokasi", "location"), "province": ("provinsi",),
    "categories": ("kategori", "kerajinan", "jenis kerajinan", "category", "crafts"),
    "starts_at": ("mulai", "tanggal mulai", "waktu mulai", "starts", "start"),
    "ends_at": ("selesai", "tanggal selesai", "waktu selesai", "ends", "end"),
    "registration_deadline": ("batas pendaftaran", "batas daftar", "deadline"),
    "timezone": ("zona waktu", "time zone"), "quota": ("kuota",),
    "audience": ("peserta", "sasaran"),
    "requires_curated_product": ("wajib produk terkurasi", "produk terkurasi"),
    "mode": ("moda", "cara"), "funding_routes": ("pembiayaan", "jalur pembiayaan", "funding"),
})


def read_rows(path: Path, sheet: str | None = None, ignore_unknown: bool = False) -> Table:
    """(row number as the user sees it, raw fields) for every program in the file."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ProgramFileError(Problem(N_("cannot read {name}: {error}"), name=str(path),
                                       error=error.strerror or error)) from error
    return rows_of(data, path.suffix.lower(), str(path), sheet, ignore_unknown)


def rows_of(data: bytes, suffix: str, name: str, sheet: str | None = None,
            ignore_unknown: bool = False) -> Table:
    """The rows of a file's contents; `suffix` (".csv") says its format, `name` which file
    it is in messages. A table (CSV, XLSX) is read as `table_files` reads every table."""
    if suffix not in (".yaml", ".yml"):
        return read_table(data, suffix, name, PROGRAM_COLUMNS, sheet=sheet,
                          ignore_unknown=ignore_unknown)
    try:
        found = yaml.safe_load(decoded(data, name))
    except yaml.YAMLError as error:
        raise ProgramFileError(Problem(N_("{name} is not valid YAML: {error}"), name=name,
                                       error=error)) from error
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        raise ProgramFileError(Problem(N_("{name} must be a YAML list of programs (mappings)"),
                                       name=name))
    return Table([(n, item) for n, item in enumerate(found, 1)])


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
    """'2027-03-21 09:00', '21/3/2027 09.00', '21 Maret 2027', an Excel date cell..., in
    `zone` unless it says its own."""
    moment = moment_of(value, end_of_day)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _funding(raw: dict[str, Any]) -> list[dict[str, Any]]:
    routes = []
    for part in _text(raw.get("funding_routes")).split(","):
        part = part.strip().lower()
        if not part:
            continue
        route, _, seats = part.partition(":")
        route = route.strip()
        if route not in vocabulary.FUNDING_ROUTES:
            raise Problem(N_("unknown funding route {route!r} (use {routes})"),
                          "funding_routes", route=route,
                          routes=", ".join(vocabulary.FUNDING_ROUTES))
        entry: dict[str, Any] = {"route": route}
        if seats.strip():
            if not seats.strip().isdigit() or int(seats) < 1:
                raise Problem(N_("seats for {route} must be a whole number above 0"),
                              "funding_routes", route=route)
            entry["seats"] = int(seats)
        routes.append(entry)
    return routes


def _slug(raw: dict[str, Any]) -> str:
    slug = _text(raw.get("id")).lower()
    if not SLUG.match(slug):
        raise Problem(N_("id must be a short slug of a-z, 0-9 and '-' (e.g. tei-2027)"), "id")
    if slug in ("baru", "unggah"):  # the console's addresses for a new program, an upload
        raise Problem(N_("id {id} is taken by the console; choose another"), "id", id=slug)
    return slug


def _kind(raw: dict[str, Any]) -> str:
    kind = _text(raw.get("kind")).lower()
    if kind not in vocabulary.PROGRAM_KINDS:
        raise Problem(N_("kind must be one of {kinds}"), "kind",
                      kinds=", ".join(vocabulary.PROGRAM_KINDS))
    return kind


def _title(raw: dict[str, Any]) -> str:
    title = _text(raw.get("title"))
    if not title:
        raise Problem(N_("title is empty"), "title")
    return title


def _place(raw: dict[str, Any]) -> tuple[str, ZoneInfo]:
    """The province (or nasional) and the zone the program's times are in."""
    province_text = _text(raw.get("province")) or provinces.NATIONAL
    if fold(province_text) in ("nasional", "national"):
        province, default_zone = provinces.NATIONAL, provinces.WIB
    else:
        found = provinces.exact(province_text)
        if found is None:
            raise Problem(N_("unknown province {province!r}"), "province",
                          province=province_text)
        province, default_zone = found.name, found.zone
    zone_name = _text(raw.get("timezone")) or default_zone
    try:
        return province, ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise Problem(N_("unknown timezone {zone!r}"), "timezone", zone=zone_name) from error


def _categories(raw: dict[str, Any]) -> list[str]:
    categories = []
    for word in _text(raw.get("categories")).split(","):
        if word.strip():
            code = category_of(word)
            if code is None:
                raise Problem(N_("unknown category {category!r}"), "categories",
                              category=word.strip())
            categories.append(code)
    return categories


def _dates(raw: dict[str, Any], zone: ZoneInfo
           ) -> tuple[datetime, datetime, datetime | None]:
    """When it starts and ends, and when registration closes (if it does)."""
    if not _text(raw.get("starts_at")):
        raise Problem(N_("starts_at is empty"), "starts_at")
    field = "starts_at"
    try:
        starts = _moment(raw["starts_at"], zone, end_of_day=False)
        field = "ends_at"
        ends = _moment(raw["ends_at"], zone, True) if _text(raw.get("ends_at")) else starts
        field = "registration_deadline"
        deadline_raw = raw.get("registration_deadline")
        deadline = _moment(deadline_raw, zone, True) if _text(deadline_raw) else None
    except ValueError as error:
        raise Problem(N_("{name} is not a date and time such as 21/3/2027 09.00, "
                         "21 Maret 2027 09.00 or 2027-03-21 09:00: {typed}"), field, name=field,
                      typed=_text(raw.get(field))[:40]) from error
    if ends < starts:
        raise Problem(N_("ends_at is before starts_at"), "ends_at")
    if deadline is not None and deadline > ends:
        raise Problem(N_("registration_deadline is after the program ends"),
                      "registration_deadline")
    return starts, ends, deadline


def _quota(raw: dict[str, Any]) -> int | None:
    quota_text = _text(raw.get("quota"))
    if quota_text and (not quota_text.isdigit() or int(quota_text) < 1):
        raise Problem(N_("quota must be a whole number above 0, or empty for no limit"),
                      "quota")
    return int(quota_text) if quota_text else None


def _audience(raw: dict[str, Any]) -> str:
    audience = _text(raw.get("audience")).lower() or "both"
    if audience not in vocabulary.AUDIENCES:
        raise Problem(N_("audience must be one of {audiences}"), "audience",
                      audiences=", ".join(vocabulary.AUDIENCES))
    return audience


def _curated(raw: dict[str, Any], kind: str | None) -> bool:
    """Whether it needs a curated product (an exhibition does, unless told)."""
    curated_text = _text(raw.get("requires_curated_product")).lower()
    if curated_text and curated_text not in YES | NO:
        raise Problem(N_("requires_curated_product must be yes or no"),
                      "requires_curated_product")
    return curated_text in YES if curated_text else kind == "pameran"


def _mode(raw: dict[str, Any]) -> str:
    """Offline, online or hybrid; an online program's times are read in each reader's zone."""
    mode = _text(raw.get("mode")).lower()
    mode = MODE_WORDS.get(mode, mode)
    if not mode:
        return "online" if fold(_venue(raw)) in ONLINE_VENUES else "offline"
    if mode not in MODES:
        raise Problem(N_("mode must be one of {modes}"), "mode", modes=", ".join(MODES))
    return mode


def _venue(raw: dict[str, Any]) -> str:
    return _text(raw.get("venue"))[:200]


def checked(raw: dict[str, Any]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The checked values of one program, and every problem with it (then no values), in
    the order `program_values` meets them."""
    problems: list[Problem] = []

    def take(check: Callable[..., Any], *args: Any, default: Any = None) -> Any:
        try:
            return check(raw, *args)
        except Problem as problem:
            problems.append(problem)
            return default

    unknown = [k for k in raw if k not in FIELDS]
    if unknown:
        problems.append(Problem(N_("unknown field(s) {fields}"),
                                fields=", ".join(map(str, unknown))))
    slug, kind, title = take(_slug), take(_kind), take(_title)
    province, zone = take(_place, default=(provinces.NATIONAL, ZoneInfo(provinces.WIB)))
    categories = take(_categories)
    starts, ends, deadline = take(_dates, zone, default=(None, None, None))
    quota, audience, curated = take(_quota), take(_audience), take(_curated, kind)
    mode, funding = take(_mode), take(_funding)
    if problems:
        return None, problems
    return {
        "id": slug, "kind": kind, "title": title[:200],
        "organiser": _text(raw.get("organiser"))[:200],
        "description": _text(raw.get("description"))[:4000],
        "venue": _venue(raw),
        "province": province, "categories": categories,
        "starts_at": starts, "ends_at": ends, "timezone": zone.key,
        "registration_deadline": deadline, "quota": quota, "audience": audience,
        "requires_curated_product": curated, "mode": mode, "funding_routes": funding,
    }, []


def program_values(raw: dict[str, Any]) -> dict[str, Any]:
    """Checked values of one program; a Problem (a ValueError) says what is wrong first,
    in plain words."""
    values, problems = checked(raw)
    if problems:
        raise problems[0]
    assert values is not None
    return values


def check_rows(rows: list[tuple[int, dict[str, Any]]],
               refuse: Callable[[dict[str, Any]], Problem | str | None] | None = None,
               headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every row checked (and, by `refuse`, what only the database knows: whose program
    an id is); raises with all the bad rows if any, each column named by `headers` (the
    file's own words for each field)."""
    programs, errors, seen = [], [], {}
    for number, raw in rows:
        try:
            values = program_values(raw)
            if values["id"] in seen:
                raise Problem(N_("id {id} repeats row {row}"), "id", id=values["id"],
                              row=seen[values["id"]])
            why = refuse(values) if refuse is not None else None
        except Problem as problem:
            errors.append(row_error(number, problem, headers))
            continue
        if why is not None:
            errors.append(row_error(number, why, headers) if isinstance(why, Problem)
                          else RowError(number, str(why)))
            continue
        seen[values["id"]] = number
        programs.append(values)
    if errors:
        raise ProgramFileError(errors)
    if not programs:
        raise ProgramFileError(Problem(N_("the file holds no programs")))
    return programs
