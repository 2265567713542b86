"""A day and time as staff type them, read in their own zone: '09.00', 'besok 09.00',
'5/3 09.00', '2027-03-05 09:00', 'pukul 9.30 WITA'."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations.provinces import ZONE_LABELS

ZONES = {label.casefold(): zone for zone, label in ZONE_LABELS.items()}
DAYS = {"hari ini": 0, "today": 0, "besok": 1, "tomorrow": 1, "lusa": 2}
_FILLER = re.compile(r"\b(?:pukul|pkl|jam|at|on|tanggal|tgl)\b\.?")
_MOMENT = re.compile(
    r"(?:(?:(?P<day>hari ini|today|besok|tomorrow|lusa)|(?P<date>[\d/.-]+))\s+)?"
    r"(?P<hour>\d{1,2})[.:](?P<minute>\d{2})")


def parse(text: str, now: datetime, zone: str) -> datetime | None:
    """The moment `text` names, in `zone` unless it names a zone itself (WIB, WITA, WIT).
    A time alone is its next coming; a day and month without a year, their next coming.
    None when it is not a day and time."""
    text = " ".join(text.casefold().split())
    label = re.search(r"\b(wib|wita|wit)\b", text)
    if label is not None:
        zone = ZONES[label.group(1)]
        text = text.replace(label.group(0), " ")
    found = _MOMENT.fullmatch(" ".join(_FILLER.sub(" ", text).split()))
    if found is None:
        return None
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    try:
        clock = time(int(found["hour"]), int(found["minute"]))
        day = today + timedelta(days=DAYS[found["day"]]) if found["day"] else \
            _date(found["date"], today) if found["date"] else today
    except (ValueError, KeyError):
        return None
    if day is None:
        return None
    moment = datetime.combine(day, clock, tzinfo=tz)
    if moment <= now and not found["day"] and not found["date"]:
        moment = datetime.combine(day + timedelta(days=1), clock, tzinfo=tz)
    return moment


def _date(text: str, today: date) -> date | None:
    """'5/3', '5/3/2027', '5-3-2027', '2027-03-05'; a day without a year is the next one."""
    parts = [p for p in re.split(r"[/.-]", text) if p]
    if not all(p.isdigit() for p in parts) or len(parts) not in (2, 3):
        return None
    if len(parts[0]) == 4:  # year first
        if len(parts) != 3:
            return None
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    day, month = int(parts[0]), int(parts[1])
    if len(parts) == 3:
        year = int(parts[2])
        return date(year + 2000 if year < 100 else year, month, day)
    found = date(today.year, month, day)
    return found if found >= today else date(today.year + 1, month, day)
