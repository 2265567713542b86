"""The kinds of answer a step can take, each turning what was typed into a value or a
friendly, specific reason why not."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import phonenumbers

from conversations import provinces
from conversations.i18n import N_
from conversations.messages import Inbound, Option

if TYPE_CHECKING:
    from conversations.context import Context

MAX_INPUT = 4096


class Invalid(Exception):
    """An answer that does not fit; `message` is already in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean(text: str | None) -> str:
    """Text as a person meant it: no control or invisible characters, single spaces."""
    if not text:
        return ""
    return _clean(text[: MAX_INPUT * 2])


@lru_cache(maxsize=256)
def _clean(text: str) -> str:
    # Remembered: a message's text is cleaned for the global words, then for its answer.
    text = unicodedata.normalize("NFC", text)
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf"))
    return " ".join(text.split())


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """A form for comparing typed words: case, accents and punctuation ignored. Remembered:
    the options' own words are folded again with every answer."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


class Answer:
    """Free text by default; subclasses narrow it."""

    multiple = False
    takes_photos = False
    label: str | None = None  # what the value is, to confirm how a typed answer was read

    def understood(self, inbound: Inbound, value: Any, ctx: Context) -> str | None:
        """'Provinsi: Jawa Tengah ✔' when what was typed had to be interpreted, else None."""
        if self.label is None or inbound.choice is not None or not inbound.text:
            return None
        shown = self.show(value, ctx)
        if clean(inbound.text) == shown:
            return None
        return f"{ctx._(self.label)}: {shown} ✔"

    def show(self, value: Any, ctx: Context) -> str:
        return str(value)

    def options(self, ctx: Context) -> list[Option]:
        return []

    def parse(self, inbound: Inbound, ctx: Context) -> Any:
        raise NotImplementedError


def _text_of(inbound: Inbound, ctx: Context) -> str:
    if inbound.choice is not None:
        # A button press can only answer a question with buttons: this one is from before.
        raise Invalid(ctx._("That button belongs to an earlier question. Please choose again."))
    text = clean(inbound.text)
    if not text:
        raise Invalid(ctx._("Please type your answer as text."))
    return text


@dataclass
class Text(Answer):
    min_len: int = 1
    max_len: int = 200

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        text = _text_of(inbound, ctx)
        self.check_length(text, ctx)
        if not any(c.isalnum() for c in text):
            raise Invalid(ctx._("Please use letters or numbers, not only symbols or emoji."))
        return text

    def check_length(self, text: str, ctx: Context) -> None:
        if len(text) > self.max_len:
            raise Invalid(
                ctx._("That is too long: at most {n} characters, yours has {m}.").format(
                    n=self.max_len, m=len(text)
                )
            )
        if len(text) < self.min_len:
            message = ctx._("That is too short: at least {n} characters.")
            raise Invalid(message.format(n=self.min_len))


_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ .'’,-]+[^\W\d_]+)*\.?$")


@dataclass
class PersonName(Text):
    """A person's name as Indonesians write it: 'Siti Nur'aini', 'I Gusti Ayu', 'H. Ahmad'."""

    min_len: int = 2
    max_len: int = 80

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        text = _text_of(inbound, ctx)
        self.check_length(text, ctx)
        if any(c.isdigit() for c in text):
            raise Invalid(ctx._("A name has no digits. Please type your name in letters."))
        if not any(c.isalpha() for c in text):
            raise Invalid(ctx._("Please type your name in letters, not only symbols or emoji."))
        if not _NAME_CHARS.match(text):
            raise Invalid(
                ctx._("A name may hold letters, spaces, dots, commas, dashes and apostrophes only.")
            )
        return text


@dataclass
class PlaceName(Text):
    """A city or regency: 'Kota Mataram', 'Kab. Lombok Barat'. Typed all in small or all in
    capital letters it is written as names are; a province's short name is not a city."""

    min_len: int = 2
    max_len: int = 60
    label = N_("City or regency")

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        text = _text_of(inbound, ctx)
        self.check_length(text, ctx)
        if sum(c.isalpha() for c in text) < 2 or re.search(r"[<>{}\[\]*_=#@$%^|\\~`]", text):
            raise Invalid(ctx._("Please type the name of your city or regency in letters."))
        province = provinces.exact(text)
        if province is not None and fold(text) not in CITIES_NAMED_AS_PROVINCES:
            raise Invalid(ctx._("{text} is a province. Please type your city or regency, for "
                                "example: Kota Semarang or Kab. Lombok Barat.").format(
                text=province.name))
        if text.islower() or text.isupper():
            text = " ".join(word[:1].upper() + word[1:].lower() for word in text.split())
        return text


# Cities whose names are also what people call their province.
CITIES_NAMED_AS_PROVINCES = frozenset((
    "jakarta", "yogyakarta", "jogja", "jogjakarta", "yogya", "bengkulu", "gorontalo", "jambi",
    "palembang", "tangerang selatan", "tangsel", "mataram", "lombok", "kupang", "makassar"))


def phone_national(value: str) -> str:
    """A stored number (E.164) as people write their own: '0812-3456-7890'."""
    number = phonenumbers.parse(value, "ID")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


@dataclass
class Phone(Answer):
    """An Indonesian phone number written any common way; the value is E.164."""

    region: str = "ID"
    label = N_("Phone number")

    def show(self, value: Any, ctx: Context) -> str:
        return phone_national(value)

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        text = _text_of(inbound, ctx)
        number = parse_phone(text, self.region)
        if number is None:
            raise Invalid(
                ctx._("That is not a valid Indonesian phone number. Example: 0812 3456 7890.")
            )
        return number


def parse_phone(text: str, region: str = "ID") -> str | None:
    """E.164 for a valid number of `region` ('0812-3456-7890', '+62 812...', '62812...')."""
    digits = re.sub(r"[^\d+]", "", text)
    if len(digits) > 20:
        return None
    if digits.startswith("62") and region == "ID":
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.region_code_for_number(number) != region:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass
class Province(Answer):
    """One of the 38 provinces, typed any usual way ('ntb', 'Jatim', 'nusa tenggara barat')."""

    label = N_("Province")

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        text = _text_of(inbound, ctx)
        found, candidates = provinces.match(text)
        if found:
            return found.name
        if candidates:
            names = ", ".join(p.name for p in candidates)
            raise Invalid(ctx._("Which one do you mean: {names}? Please type it in full.").format(
                names=names))
        raise Invalid(
            ctx._("I don't know the province \"{text}\". Example: Nusa Tenggara Barat or NTB.")
            .format(text=text[:40])
        )


_MULTIPLIERS = {"rb": 1_000, "ribu": 1_000, "k": 1_000, "jt": 1_000_000, "juta": 1_000_000}
_PRICE = re.compile(r"^(?:rp\.?)?\s*([\d.,]+)\s*(rb|ribu|k|jt|juta)?$")


def parse_rupiah(text: str) -> int | None:
    """Whole rupiah as sellers write them: 'Rp150.000', '150rb', '150.000', '1,5 jt',
    '150000', 'Rp 150.000,00'. None for anything else."""
    compact = "".join(text.casefold().split()).removeprefix("idr")
    compact = re.sub(r"[.,]?-+$", "", compact)  # 'Rp150.000,-'
    match = _PRICE.match(compact)
    if match is None:
        return None
    number, unit = match.groups()
    if unit is not None:
        # With a unit, a comma or point is a decimal mark: '1,5 jt', '2.5jt'.
        if number.count(",") + number.count(".") > 1:
            return None
        try:
            value = float(number.replace(",", "."))
        except ValueError:
            return None
        return round(value * _MULTIPLIERS[unit])
    number = re.sub(r"[.,]0{1,2}$", "", number)  # 'Rp 150.000,00': no sen in a price
    groups = re.split(r"[.,]", number)
    # Without a unit, points and commas only group thousands: '150.000', '1,500,000'.
    if len(groups) > 1 and (not groups[0] or len(groups[0]) > 3
                            or any(len(g) != 3 for g in groups[1:])):
        return None
    return int("".join(groups)) if "".join(groups).isdigit() else None


@dataclass
class Price(Answer):
    """A price in whole rupiah."""

    most: int = 10_000_000_000
    # Below this a price is a slip ("15" meant as 15rb): no craft product sells for less.
    least: int = 500
    label = N_("Price")

    def show(self, value: Any, ctx: Context) -> str:
        return ctx.tr.money(value)

    def parse(self, inbound: Inbound, ctx: Context) -> int:
        value = parse_rupiah(_text_of(inbound, ctx))
        if value is None or value <= 0:
            raise Invalid(ctx._("Please write the price in rupiah, for example: Rp150.000, "
                                "150rb or 1,5 jt."))
        if value > self.most:
            raise Invalid(ctx._("That price is too high to be right. Please check it."))
        if value < self.least:
            raise Invalid(ctx._("That price seems too low. Did you mean {example}? Please "
                                "write it in full, for example: Rp15.000 or 15rb.").format(
                example=ctx.tr.money(value * 1000)))
        return value


@dataclass
class Count(Answer):
    """A whole number of things: '50', '50 buah', '1.000 pcs'."""

    least: int = 1
    most: int = 1_000_000

    def parse(self, inbound: Inbound, ctx: Context) -> int:
        text = _text_of(inbound, ctx)
        match = re.match(r"^\s*(\d{1,3}(?:[.,]\d{3})+|\d+)\b", text)
        if match is None:
            raise Invalid(ctx._("Please write a number, for example: 50."))
        value = int(re.sub(r"[.,]", "", match.group(1)))
        if not self.least <= value <= self.most:
            raise Invalid(ctx._("Please write a number from {least} to {most}.").format(
                least=self.least, most=f"{self.most:,}".replace(",", ".")))
        return value
