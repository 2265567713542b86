"""The reminder tick over 100,000 users and 200 programs: its time and peak memory.

    python bench/reminders.py [--users N] [--programs N] [--database-url URL]

Users are spread over the 38 provinces with one or two crafts each. Of the programs, one
in twenty is due for its three-day deadline reminder at the tick: the first of those is
national (it concerns everyone whose crafts fit), the others provincial; the rest are weeks
away. The first tick queues the reminders (one outbox row each); the second finds nothing
new, as most minute ticks do. Each tick runs in a fresh process, so its peak memory is
its own. Targets: a tick under 2 s, peak memory under 300 MB.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from conversations import provinces, vocabulary  # noqa: E402
from conversations.reminders import run_due  # noqa: E402
from storage.db import ensure_schema, make_engine, session_scope  # noqa: E402
from storage.models import Program, User  # noqa: E402

NOW = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)  # 10.00 WIB: nobody's quiet hours
TARGET_SECONDS, TARGET_MB = 2.0, 300


def populate(database, users: int, programs: int) -> None:
    rng = random.Random(7)
    names = [p.name for p in provinces.PROVINCES]
    crafts = list(vocabulary.CATEGORIES)
    rows = [{"channel": "whatsapp" if n % 3 else "telegram", "address": f"+62812{n:07d}",
             "role": "artisan" if n % 20 else "lapas", "name": f"Perajin {n}",
             "province": names[n % len(names)],
             "categories": rng.sample(crafts, rng.choice((1, 2))), "language": "id",
             "staff_roles": [], "opted_out": n % 50 == 0, "unreachable": False,
             "consent_at": NOW, "registered_at": NOW, "created_at": NOW, "updated_at": NOW}
            for n in range(users)]
    with session_scope(database) as session:
        for start in range(0, len(rows), 10_000):
            session.execute(insert(User), rows[start:start + 10_000])
        due = max(1, programs // 20)
        for n in range(programs):
            soon = n < due
            deadline = NOW + (timedelta(days=3) - timedelta(minutes=5) if soon
                              else timedelta(days=30 + n % 60))
            session.add(Program(
                id=f"p{n}", kind="pelatihan", title=f"Pelatihan {n}",
                province="nasional" if n == 0 else names[n % len(names)],
                categories=[] if n % 3 else [crafts[n % len(crafts)]],
                starts_at=deadline + timedelta(days=14), ends_at=deadline + timedelta(days=15),
                timezone="Asia/Jakarta", registration_deadline=deadline, audience="both"))


def tick(url: str) -> None:
    """One tick in this process: prints seconds, reminders queued and peak RSS."""
    database = make_engine(url)
    started = time.perf_counter()
    with session_scope(database) as session:
        queued = run_due(session, NOW)
    took = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{took:.3f} {queued} {rss:.0f}")


def run_tick(url: str) -> tuple[float, int, float]:
    done = subprocess.run([sys.executable, __file__, "--tick", url], capture_output=True,
                          text=True, check=True)
    took, queued, rss = done.stdout.split()[-3:]
    return float(took), int(queued), float(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--programs", type=int, default=200)
    parser.add_argument("--database-url", default=None,
                        help="an empty database (default: a new SQLite file)")
    parser.add_argument("--tick", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tick:
        tick(args.tick)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        database = make_engine(url)
        ensure_schema(database)
        started = time.perf_counter()
        populate(database, args.users, args.programs)
        print(f"{args.users:,} users and {args.programs} programs set up in "
              f"{time.perf_counter() - started:.1f} s ({database.dialect.name})")
        took, queued, rss = run_tick(url)
        print(f"first tick: {queued:,} reminders queued in {took:.2f} s, "
              f"peak memory {rss:.0f} MB")
        again, more, rss2 = run_tick(url)
        print(f"next tick: {more:,} queued in {again:.3f} s, peak memory {rss2:.0f} MB")
        ok = max(took, again) < TARGET_SECONDS and max(rss, rss2) < TARGET_MB
        print(f"target (tick < {TARGET_SECONDS:g} s, memory < {TARGET_MB} MB): "
              f"{'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
