"""Translations and the formatting of dates, times, money and numbers for one user.

Source strings are English; `locales/<lang>/LC_MESSAGES/kriya.po` holds each language.
The catalogs are read straight from the .po files, so there is no compiled file to forget.
"""

from __future__ import annotations

import gettext as _gettext
import io
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.units import format_unit

from conversations.provinces import ZONE_LABELS

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "kriya"
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def N_(message: str) -> str:
    """Marks a string for translation where it is defined; it is translated where shown."""
    return message


@cache
def _catalog(lang: str) -> _gettext.NullTranslations:
    path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return _gettext.NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Translator:
    """Everything language- and zone-dependent about talking to one user."""

    lang: str
    zone: str

    def _(self, message: str) -> str:
        return _catalog(self.lang).gettext(message) if message else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _catalog(self.lang).ngettext(singular, plural, n)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def zone_label(self) -> str:
        return ZONE_LABELS.get(self.zone, self.zone)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def date(self, moment: datetime) -> str:
        """'Selasa, 21 Maret 2027' in the user's zone."""
        return format_date(self.local(moment), "EEEE, d MMMM y", locale=self.lang)

    def short_date(self, moment: datetime) -> str:
        return format_date(self.local(moment), "d MMM y", locale=self.lang)

    def day_month(self, moment: datetime) -> str:
        """'22 Des': for lists and brackets, where the year goes without saying."""
        return format_date(self.local(moment), "d MMM", locale=self.lang)

    def in_zone(self, zone: str) -> Translator:
        """The same language, reading times in another zone (a venue's, an organiser's)."""
        return self if zone == self.zone else replace(self, zone=zone)

    def time(self, moment: datetime) -> str:
        """'10.00 WITA': Indonesians write hours and minutes with a dot."""
        pattern = "HH.mm" if self.lang == "id" else "HH:mm"
        return f"{format_time(self.local(moment), pattern, locale=self.lang)} {self.zone_label}"

    def datetime(self, moment: datetime) -> str:
        """'Selasa, 21 Maret 2027 pukul 10.00 WITA'."""
        return self._("{date} at {time}").format(date=self.date(moment), time=self.time(moment))

    def datetime_there(self, moment: datetime, zone: str) -> str:
        """A moment as it reads where it was set (a venue, an organiser), with the reader's
        own time in brackets when that differs: 'Senin, 21 Desember 2026 pukul 23.59 WIB
        (22 Des 00.59 WITA)'. The bracket names the day only when the reader's differs."""
        there = self.in_zone(zone)
        text = there.datetime(moment)
        here_local, there_local = self.local(moment), there.local(moment)
        if here_local.utcoffset() == there_local.utcoffset():
            return text  # the same clock, whatever the zone is called
        mine = self.time(moment)
        if here_local.date() != there_local.date():
            mine = f"{self.day_month(moment)} {mine}"
        return f"{text} ({mine})"

    def money(self, rupiah: int) -> str:
        """'Rp150.000'."""
        return "Rp" + format_decimal(rupiah, format="#,##0", locale=self.lang)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.lang)

    def duration(self, delta: timedelta) -> str:
        """'20 hari', '5 jam': one whole unit, rounded down, so time left is never
        overstated (no '3 minggu' for 20 days)."""
        if delta >= timedelta(days=1):
            amount, unit = delta.days, "duration-day"
        elif delta >= timedelta(hours=1):
            amount, unit = delta.seconds // 3600, "duration-hour"
        else:
            amount, unit = max(1, delta.seconds // 60), "duration-minute"
        return format_unit(amount, unit, length="long", locale=self.lang)

def translator(lang: str | None, zone: str) -> Translator:
    return Translator(lang if lang in LANGUAGES else DEFAULT_LANGUAGE, zone)
