"""The summary an office sees first: its people, programs, curation queue, sign-ups and
the messages on their way out, all within the office's reach."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session

from conversations.i18n import Translator
from conversations.reach import Reach
from storage import overview as rows
from storage import threads as thread_rows
from storage.statuses import OutboxStatus, ProductStatus, SignUpStatus

WAITING = (ProductStatus.SUBMITTED, ProductStatus.IN_REVIEW)
ACTIVE = (SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED, SignUpStatus.SELECTED)
CHART_DAYS = 14


@dataclass
class Overview:
    users: dict[str, dict[str, int]] = field(default_factory=dict)  # province -> channel -> n
    channels: list[str] = field(default_factory=list)
    users_total: int = 0
    new_this_week: int = 0
    programs_open: int = 0
    products_waiting: int = 0
    oldest_wait: timedelta | None = None
    signups: int = 0
    per_day: list[tuple[date, int]] = field(default_factory=list)
    outbox_waiting: int = 0
    outbox_held: int = 0
    outbox_failed: int = 0
    threads_open: int = 0  # questions of Tanya petugas not closed yet
    thread_wait: timedelta | None = None  # the longest a person has waited for an answer


def summary(session: Session, reach: Reach, now: datetime, tr: Translator) -> Overview:
    """Everything on the summary page; days are the reader's days (their zone)."""
    provinces = reach.provinces
    office = None if reach.national else reach.office.id
    found = Overview()
    for province, channel, n in rows.users_by_province_and_channel(session, provinces):
        found.users.setdefault(province or "-", {})[channel] = n
        found.users_total += n
        if channel not in found.channels:
            found.channels.append(channel)
    found.new_this_week = rows.registered_since(session, now - timedelta(days=7), provinces)
    found.programs_open = rows.programs_open(session, now, office)
    found.products_waiting, oldest = rows.products_waiting(session, WAITING, provinces)
    found.oldest_wait = now - oldest if oldest is not None else None
    found.signups = rows.signups(session, ACTIVE, office)
    found.threads_open, waiting = thread_rows.waiting(session, reach.office.id)
    found.thread_wait = max(now - waiting, timedelta()) if waiting is not None else None
    today = tr.local(now).date()
    first = today - timedelta(days=CHART_DAYS - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tr.tz)
    days = Counter(tr.local(moment).date()
                   for moment in rows.signup_moments(session, start, office))
    found.per_day = [(first + timedelta(days=i), days.get(first + timedelta(days=i), 0))
                     for i in range(CHART_DAYS)]
    counts = rows.outbox(session, now, (OutboxStatus.PENDING, OutboxStatus.FAILED), provinces)
    found.outbox_waiting = counts.get((OutboxStatus.PENDING, False), 0)
    found.outbox_held = counts.get((OutboxStatus.PENDING, True), 0)
    found.outbox_failed = sum(n for (status, _), n in counts.items()
                              if status == OutboxStatus.FAILED)
    return found


def chart(per_day: list[tuple[date, int]], width: int = 560, height: int = 160
          ) -> list[tuple[float, float, float, float, date, int]]:
    """Bars for an SVG drawn on the server: (x, y, w, h, day, n) each, in a box of
    width × height with room for the day labels beneath."""
    if not per_day:
        return []
    top = max(n for _, n in per_day) or 1
    slot = width / len(per_day)
    room = 14  # above the tallest bar, for its number
    plot = height - 24
    bars = []
    for i, (day, n) in enumerate(per_day):
        h = (plot - room) * n / top
        bars.append((round(i * slot + slot * 0.15, 1), round(plot - h, 1),
                     round(slot * 0.7, 1), round(h, 1), day, n))
    return bars
