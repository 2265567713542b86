"""The questions about a person that registration asks and "My data" lets them change.

Both flows build their steps from here, so a question is worded and checked in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import phonenumbers

from conversations import vocabulary
from conversations.answers import PersonName, Phone, PlaceName, Province, Text
from conversations.choices import MultiChoice
from conversations.context import Context
from conversations.flow import Step, Then
from conversations.i18n import N_

OnAnswer = Callable[[Context], str | None] | None

# What each role is asked, in order, and can change later.
ARTISAN_FIELDS = ["name", "business", "province", "city", "categories", "phone"]
OFFICER_FIELDS = ["name", "phone"]
# Field name -> the User attribute it is stored in.
COLUMNS = {"name": "name", "business": "business_name", "province": "province",
           "city": "city", "categories": "categories", "phone": "phone"}

# Field name -> its label in summaries and in "which one do you want to change?".
LABELS = {
    "name": N_("Name"),
    "business": N_("Business name"),
    "province": N_("Province"),
    "city": N_("City or regency"),
    "categories": N_("Crafts"),
    "phone": N_("Phone number"),
}


def _from_channel(ctx: Context) -> str | None:
    """A phone number the channel vouches for (WhatsApp's sender), asked for no more."""
    return ctx.inbound.phone


def name(then: Then = None, on_answer: OnAnswer = None) -> Step:
    return Step("name", N_("What is your name?"), PersonName(), then=then, on_answer=on_answer)


def business(then: Then = None, on_answer: OnAnswer = None) -> Step:
    return Step(
        "business",
        N_("What is the name of your business? (for example: Tenun Ikat Sasak)"),
        Text(min_len=2, max_len=80),
        then=then,
        on_answer=on_answer,
    )


def province(then: Then = None, on_answer: OnAnswer = None) -> Step:
    return Step(
        "province",
        N_("Which province is your business in? (for example: NTB, Jawa Timur, Sumsel)"),
        Province(),
        then=then,
        on_answer=on_answer,
    )


def city(then: Then = None, on_answer: OnAnswer = None) -> Step:
    return Step(
        "city",
        N_("Which city or regency? (for example: Kota Mataram, Kab. Lombok Barat)"),
        PlaceName(),
        then=then,
        on_answer=on_answer,
    )


def categories(then: Then = None, on_answer: OnAnswer = None) -> Step:
    return Step(
        "categories",
        N_("What do you make? You may choose several: type their numbers, "
           "separated by commas (for example: 3, 4)."),
        MultiChoice(choices=tuple(vocabulary.CATEGORIES.items()), words=vocabulary.CATEGORY_WORDS,
                    label=LABELS["categories"]),
        then=then,
        on_answer=on_answer,
    )


def phone(then: Then = None, on_answer: OnAnswer = None, from_channel: bool = True) -> Step:
    return Step(
        "phone",
        N_("What is your phone number? (for example: 0812 3456 7890)"),
        Phone(),
        then=then,
        on_answer=on_answer,
        known_answer=_from_channel if from_channel else None,
    )


def show_phone(e164: str | None) -> str:
    if not e164:
        return "-"
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def show_categories(ctx: Context, codes: list[str]) -> str:
    names = [ctx._(vocabulary.CATEGORIES[c]) for c in codes if c in vocabulary.CATEGORIES]
    return ", ".join(names) or "-"


def summary(ctx: Context, values: dict[str, Any], fields: list[str]) -> str:
    """One line per field, as the user would read their own data back."""
    shown = {
        "categories": lambda v: show_categories(ctx, v or []),
        "phone": show_phone,
    }
    lines = []
    for field in fields:
        value = values.get(field)
        text = shown[field](value) if field in shown else (value or "-")
        lines.append(f"{ctx._(LABELS[field])}: {text}")
    return "\n".join(lines)
