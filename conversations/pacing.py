"""How fast a channel may send: the rate a platform really takes, found as it goes.

Operators set a channel's rate (TELEGRAM_RATE, TWILIO_RATE), but a platform's real limit
is seldom known (Telegram says "about 30 a second"; Twilio's depends on the sender). The
setting is a ceiling; the pace under it adapts, additive increase and multiplicative
decrease:

- A platform's "slow down" (429) lowers the pace to BACK_OFF of the pace that was
  refused, and the refused pace is remembered.
- Every second of sending raises it again: quickly back to near the refused pace, then
  slowly past it, so a platform that takes more is found again and one that does not is
  met only now and then.
- A 429 soon after the last change of pace (less than SETTLE seconds of sending: the
  setting far above the limit, or a limit that dropped) says the pace was clearly too
  fast, not by how much: nothing is remembered, and the pace climbs at a moderate speed
  until the next 429. One after a while of sending well comes just past the limit (slow
  probing), or from a burst of network jitter: it is remembered, and the climb back to
  near it is quick.
- Answers to messages sent at a pace already lowered since lower it no further: the
  messages in flight at a 429 say nothing new.

Set at or below the platform's limit, the pace stays at the ceiling. The pace is the
channel's, shared by every process (it is kept on the channel's pace row); this module
only computes it.
"""

from __future__ import annotations

from dataclasses import dataclass

BACK_OFF = 0.8  # the pace after a 429, as a share of the pace refused
NEAR = 0.95  # below this share of the refused pace, the pace climbs quickly
FAST = 0.05  # of the ceiling, each second of sending, while far below the refused pace
SLOW = 0.001  # of the ceiling, each second of sending, near or past it
MEDIUM = 0.003  # of the ceiling, each second of sending, with no pace to climb back to
FLOOR = 0.05  # of the ceiling: the pace never drops below it
SETTLE = 3.0  # seconds of sending without a 429 after which one is "just past the limit"


@dataclass(frozen=True)
class Pace:
    """A channel's pace: messages a second now, the pace to climb back to quickly (the
    pace a platform last refused), and the seconds of sending since the last 429."""

    rate: float
    refused: float | None = None
    steady: float = 0.0

    @classmethod
    def of(cls, rate: float | None, refused: float | None, ceiling: float,
           steady: float | None = None) -> Pace:
        """The pace as stored (None: never adapted), under the configured ceiling."""
        return cls(ceiling if rate is None else max(min(rate, ceiling), floor(ceiling)),
                   refused, steady or 0.0)


def floor(ceiling: float) -> float:
    return ceiling * FLOOR


def grown(pace: Pace, ceiling: float, seconds: float) -> Pace:
    """The pace after `seconds` of sending at it without a 429."""
    rate, left = min(pace.rate, ceiling), max(seconds, 0.0)
    if pace.refused is None:
        return Pace(min(ceiling, rate + MEDIUM * ceiling * left), None, pace.steady + left)
    if rate < NEAR * pace.refused:
        quick = (NEAR * pace.refused - rate) / (FAST * ceiling)  # seconds to get near
        step = min(quick, left)
        rate, left = rate + FAST * ceiling * step, left - step
    return Pace(min(ceiling, rate + SLOW * ceiling * left), pace.refused,
                pace.steady + max(seconds, 0.0))


def slowed(pace: Pace, ceiling: float, sent_at: float) -> Pace:
    """The pace after a 429 to a message sent at `sent_at` messages a second. A message
    sent faster than the pace now was sent before the pace was lowered: unchanged."""
    if sent_at > pace.rate * (1 + 1e-9):
        return pace
    refused = min(sent_at, pace.rate)
    rate = max(floor(ceiling), refused * BACK_OFF)
    # Clearly too fast: no pace to climb back to quickly.
    return Pace(rate, refused if pace.steady >= SETTLE else None)
