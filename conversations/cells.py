"""What Excel does to the values of a participant list or a program calendar, undone:
phone numbers that lost their leading zero or became numbers, dates written the
Indonesian way (day first, month names in Bahasa Indonesia or English), times as `09.00`.

A value that Excel has already damaged beyond repair (a phone number shown in scientific
notation has lost its last digits) is refused with the reason, never guessed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from conversations import provinces
from conversations.i18n import N_
from conversations.problems import Problem

MONTHS = {
    1: ("januari", "january", "jan"), 2: ("februari", "february", "feb", "peb"),
    3: ("maret", "march", "mar"), 4: ("april", "apr"), 5: ("mei", "may"),
    6: ("juni", "june", "jun"), 7: ("juli", "july", "jul"),
    8: ("agustus", "august", "agu", "agt", "ags", "aug"),
    9: ("september", "sept", "sep"), 10: ("oktober", "october", "okt", "oct"),
    11: ("november", "nopember", "nov", "nop"), 12: ("desember", "december", "des", "dec"),
}
MONTH_OF = {name: number for number, names in MONTHS.items() for name in names}
ZONE_OF_LABEL = {label.lower(): zone for zone, label in provinces.ZONE_LABELS.items()}
_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?e\+?\d+$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$")
_NAMED = re.compile(r"^(\d{1,2})[\s-]+([a-z]+)\.?[\s-]+(\d{4})$")
_TIME = re.compile(r"^(\d{1,2})[.:](\d{2})(?:[.:](\d{2}))?$")


def as_text(value: Any) -> str:
    """A cell as text: a whole number without `.0`, spaces collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def phone_text(value: Any) -> str:
    """A phone number as the office meant it: '81234567890' (the zero Excel dropped),
    "'0812 3456.7890 (WA)", '6281234567890.0' or a number cell. A number in scientific
    notation ('8.12346E+11') has lost digits: a Problem says so."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = str(int(value)) if float(value).is_integer() else str(value)
    else:
        text = as_text(value).lstrip("'").strip()
    compact = re.sub(r"\s", "", text).lower()
    if _SCIENTIFIC.match(compact):
        raise Problem(N_("phone {typed} was shortened by Excel into a rounded number: format "
                         "the column as text and type the number again"), "phone",
                      typed=text)
    text = re.sub(r"\([^)]*\)", " ", text)  # '(WA)', '(rumah)'
    text = re.sub(r"^(\+?\d+)[.,]0+$", r"\1", text.strip())  # '6281234567890.0'
    digits = re.sub(r"[^\d+]", "", text)
    if digits.startswith("8") and 9 <= len(digits) <= 13:
        digits = "0" + digits  # the leading zero Excel takes off a number
    return digits


def date_of(value: Any) -> date:
    """A date: an Excel date cell, '2026-11-01', '1/11/2026' or '01-11-2026' (day first, as
    in Indonesia), '1 November 2026', '1 Agu 2026'. ValueError if none of these."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = as_text(value).lower()
    if found := _ISO.match(text):
        year, month, day = (int(part) for part in found.groups())
        return date(year, month, day)
    if found := _DAY_FIRST.match(text):
        day, month, year = (int(part) for part in found.groups())
        return date(year + 2000 if year < 100 else year, month, day)
    if (found := _NAMED.match(text)) and found.group(2) in MONTH_OF:
        return date(int(found.group(3)), MONTH_OF[found.group(2)], int(found.group(1)))
    raise ValueError(f"not a date: {text!r}")


def time_of(text: str) -> time:
    """'09.00', '9:00' or '09:00:00'."""
    found = _TIME.match(text.strip())
    if not found:
        raise ValueError(f"not a time: {text!r}")
    return time(int(found.group(1)), int(found.group(2)), int(found.group(3) or 0))


def moment_of(value: Any, end_of_day: bool = False) -> datetime:
    """A date and time as an office writes one ('1/11/2026 09.00', '1 Nov 2026 9:00 WITA',
    '2026-11-01T09:00+08:00'); a date alone is the start of the day (its end with
    `end_of_day`). Without an offset or zone label it is naive. ValueError if not one."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59) if end_of_day else time(0, 0))
    text = as_text(value)
    try:
        if re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text):
            return datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        pass
    words = text.replace(",", " ").split()
    zone = ZONE_OF_LABEL.get(words[-1].lower()) if words else None
    if zone is not None:
        words = words[:-1]
    clock = None
    if words and _TIME.match(words[-1]) and len(words) > 1:
        clock = time_of(words.pop())
    day = date_of(" ".join(words))
    moment = datetime.combine(day, clock or (time(23, 59) if end_of_day else time(0, 0)))
    return moment.replace(tzinfo=ZoneInfo(zone)) if zone else moment
