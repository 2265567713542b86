"""The night, in each person's own zone, in which no reminder or broadcast leaves."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations.provinces import zone_of

SPAN = re.compile(r"\s*(\d{1,2})[:.](\d{2})\s*-\s*(\d{1,2})[:.](\d{2})\s*")


def span_of_hours(text: str) -> tuple[time, time]:
    """"21:00-07:00" or "08.00-16.00": its two times; ValueError for anything else."""
    found = SPAN.fullmatch(text or "")
    try:
        if found is None:
            raise ValueError
        h1, m1, h2, m2 = map(int, found.groups())
        return time(h1, m1), time(h2, m2)
    except ValueError:
        raise ValueError(f"{text!r} is not a span of hours") from None


@dataclass(frozen=True)
class QuietHours:
    """The hours of the night in which no push leaves, in each person's own zone."""

    start: time = time(21, 0)
    end: time = time(7, 0)

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """"21:00-07:00" (the default), or "off" for none; ValueError for anything else."""
        if text.strip().lower() in ("off", "none", ""):
            return None
        hours = cls(*span_of_hours(text))
        if hours.start == hours.end:
            raise ValueError(f"{text!r} starts and ends at the same time")
        return hours

    def covers(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end  # across midnight

    def until(self, now: datetime, zone: str) -> datetime | None:
        """When a push may leave, if `now` is in these hours in `zone`; else None."""
        local = now.astimezone(ZoneInfo(zone))
        if not self.covers(local.time()):
            return None
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=local.tzinfo)


NIGHT = QuietHours()

# When a push to someone of a province may leave if it is night there at a moment; None
# if it may leave then.
NightHold = Callable[[str | None, datetime], datetime | None]


def quiet_until(now: datetime, zone: str, hours: QuietHours | None = NIGHT) -> datetime | None:
    """When a push may leave, if `now` is in the quiet hours of `zone`; else None."""
    return hours.until(now, zone) if hours is not None else None


def night_hold(default_zone: str, hours: QuietHours | None = NIGHT) -> NightHold:
    """For the dispatcher: when a push to someone of a province may leave, if it is night
    there at the moment its turn comes (a long broadcast, a retry); None if it may now."""

    def hold(province: str | None, now: datetime) -> datetime | None:
        return quiet_until(now, zone_of(province, default_zone), hours)

    return hold
