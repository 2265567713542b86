"""Spreading a broadcast over a window of hours in each recipient's own zone.

"Between 08.00 and 16.00" means 08.00 to 16.00 where each recipient lives: WIB for
Jakarta, WITA for Mataram, WIT for Jayapura. Each recipient's message gets a moment of
its own, evenly apart from the others of that zone, inside today's window there if it is
not over yet, else tomorrow's; the part of the window that falls in the quiet hours is
left out. A message carries its window (when it opens and closes, as moments): one not
sent by the time it closes (the channel was slow, a retry) waits for the same window the
next day rather than arrive late.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations.quiet_hours import QuietHours, span_of_hours

DAY = timedelta(days=1)


class NoHoursLeft(ValueError):
    """A window with no hour left outside the quiet hours."""


@dataclass(frozen=True)
class SendWindow:
    """Hours of the day, in each recipient's zone, in which a spread broadcast leaves."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> SendWindow:
        """"08:00-16:00" or "08.00-16.00", within one day; ValueError for anything else."""
        window = cls(*span_of_hours(text))
        if window.start >= window.end:
            raise ValueError(f"{text!r} does not end after it starts on the same day")
        return window

    @property
    def text(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def outside(self, quiet: QuietHours | None) -> SendWindow:
        """The window without the quiet hours at its edges; NoHoursLeft if none is left."""
        start, end = self.start, self.end
        if quiet is not None:
            if quiet.covers(start):
                start = quiet.end if quiet.end > start else self.end
            last = _minute_before(end)
            if quiet.covers(last) and quiet.start > start:
                end = quiet.start
            elif quiet.covers(last):
                end = start
        if start >= end:
            raise NoHoursLeft(f"{self.text} is all in the quiet hours")
        return SendWindow(start, end)

    def day_of(self, now: datetime, zone: str) -> tuple[datetime, datetime]:
        """When the window opens and closes in `zone`: today's if it is not over, else
        tomorrow's."""
        local = now.astimezone(ZoneInfo(zone))
        opens = datetime.combine(local.date(), self.start, tzinfo=local.tzinfo)
        closes = datetime.combine(local.date(), self.end, tzinfo=local.tzinfo)
        if local >= closes:
            opens, closes = opens + DAY, closes + DAY
        return opens, closes


@dataclass(frozen=True)
class Slot:
    """One message's moment, and the window it must leave in."""

    at: datetime
    opens: datetime
    closes: datetime


def slots(count: int, opens: datetime, closes: datetime) -> list[datetime]:
    """`count` moments evenly apart from `opens`, all before `closes`."""
    step = (closes - opens) / count if count else timedelta()
    return [opens + step * i for i in range(count)]


def place(people: Iterable[tuple[Hashable, str]], window: SendWindow, now: datetime,
          quiet: QuietHours | None = None) -> dict[Hashable, Slot]:
    """A slot for each (key, zone): evenly inside the window of that zone, in the order
    given. Raises NoHoursLeft for a window wholly in the quiet hours."""
    hours = window.outside(quiet)
    by_zone: dict[str, list[Hashable]] = {}
    for key, zone in people:
        by_zone.setdefault(zone, []).append(key)
    placed: dict[Hashable, Slot] = {}
    for zone, keys in by_zone.items():
        opens, closes = hours.day_of(now, zone)
        # A window already open is shared out from now on.
        for key, at in zip(keys, slots(len(keys), max(opens, now), closes), strict=True):
            placed[key] = Slot(at, opens, closes)
    return placed


def next_window(opens: datetime, closes: datetime, now: datetime) -> tuple[datetime, datetime]:
    """The same window on the first day on which it has not closed by `now`."""
    if closes > now:
        return opens, closes
    days = (now - closes) // DAY + 1
    return opens + DAY * days, closes + DAY * days


def _minute_before(moment: time) -> time:
    minutes = (moment.hour * 60 + moment.minute - 1) % (24 * 60)
    return time(minutes // 60, minutes % 60)
