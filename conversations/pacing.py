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
- The first 429 says only that the pace was too fast, not by how much (the setting may be
  far above the limit): the pace climbs back slowly from there. Later ones come after slow
  probing, just past the limit, and the climb back to near them is quick.
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
FLOOR = 0.05  # of the ceiling: the pace never drops below it


@dataclass(frozen=True)
class Pace:
    """A channel's pace: messages a second now, and the pace a platform last refused."""

    rate: float
    refused: float | None = None

    @classmethod
    def of(cls, rate: float | None, refused: float | None, ceiling: float) -> Pace:
        """The pace as stored (None: never adapted), under the configured ceiling."""
        return cls(ceiling if rate is None else max(min(rate, ceiling), floor(ceiling)),
                   refused)


def floor(ceiling: float) -> float:
    return ceiling * FLOOR


def grown(pace: Pace, ceiling: float, seconds: float) -> Pace:
    """The pace after `seconds` of sending at it without a 429."""
    rate, left = min(pace.rate, ceiling), max(seconds, 0.0)
    if pace.refused is not None and rate < NEAR * pace.refused:
        quick = (NEAR * pace.refused - rate) / (FAST * ceiling)  # seconds to get near
        step = min(quick, left)
        rate, left = rate + FAST * ceiling * step, left - step
    return Pace(min(ceiling, rate + SLOW * ceiling * left), pace.refused)


def slowed(pace: Pace, ceiling: float, sent_at: float) -> Pace:
    """The pace after a 429 to a message sent at `sent_at` messages a second. A message
    sent faster than the pace now was sent before the pace was lowered: unchanged."""
    if sent_at > pace.rate * (1 + 1e-9):
        return pace
    refused = min(sent_at, pace.rate)
    rate = max(floor(ceiling), refused * BACK_OFF)
    # The first: noted as the lowered pace, so that nothing climbs quickly to it.
    return Pace(rate, refused if pace.refused is not None else rate)
