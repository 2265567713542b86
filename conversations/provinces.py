"""The 38 provinces of Indonesia, each with its time zone, and how people type their names.

This is the one list of provinces in Kriya: flows, imports and exports all use it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"
ZONE_LABELS = {WIB: "WIB", WITA: "WITA", WIT: "WIT"}
NATIONAL = "nasional"


@dataclass(frozen=True)
class Province:
    name: str
    zone: str
    aliases: tuple[str, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


PROVINCES: tuple[Province, ...] = (
    Province("Aceh", WIB, ("nad", "nanggroe aceh darussalam")),
    Province("Sumatera Utara", WIB, ("sumut", "sumatra utara")),
    Province("Sumatera Barat", WIB, ("sumbar", "sumatra barat")),
    Province("Riau", WIB),
    Province("Kepulauan Riau", WIB, ("kepri",)),
    Province("Jambi", WIB),
    Province("Bengkulu", WIB),
    Province("Sumatera Selatan", WIB, ("sumsel", "sumatra selatan", "palembang")),
    Province("Kepulauan Bangka Belitung", WIB, ("babel", "bangka belitung")),
    Province("Lampung", WIB),
    Province("DKI Jakarta", WIB, ("dki", "jakarta")),
    Province("Jawa Barat", WIB, ("jabar", "jawa bar")),
    Province("Banten", WIB, ("tangerang selatan", "tangsel")),
    Province("Jawa Tengah", WIB, ("jateng",)),
    Province("DI Yogyakarta", WIB, ("diy", "yogyakarta", "jogja", "jogjakarta", "yogya")),
    Province("Jawa Timur", WIB, ("jatim",)),
    Province("Kalimantan Barat", WIB, ("kalbar",)),
    Province("Kalimantan Tengah", WIB, ("kalteng",)),
    Province("Bali", WITA),
    Province("Nusa Tenggara Barat", WITA, ("ntb", "lombok", "mataram")),
    Province("Nusa Tenggara Timur", WITA, ("ntt", "kupang")),
    Province("Kalimantan Selatan", WITA, ("kalsel",)),
    Province("Kalimantan Timur", WITA, ("kaltim",)),
    Province("Kalimantan Utara", WITA, ("kaltara",)),
    Province("Sulawesi Utara", WITA, ("sulut",)),
    Province("Gorontalo", WITA),
    Province("Sulawesi Tengah", WITA, ("sulteng",)),
    Province("Sulawesi Barat", WITA, ("sulbar",)),
    Province("Sulawesi Selatan", WITA, ("sulsel", "makassar")),
    Province("Sulawesi Tenggara", WITA, ("sultra",)),
    Province("Maluku", WIT),
    Province("Maluku Utara", WIT, ("malut",)),
    Province("Papua", WIT),
    Province("Papua Barat", WIT, ("pabar",)),
    Province("Papua Barat Daya", WIT, ("pbd",)),
    Province("Papua Selatan", WIT),
    Province("Papua Tengah", WIT),
    Province("Papua Pegunungan", WIT),
)

_PREFIX = re.compile(r"^(provinsi|propinsi|prov)\b\.?\s*")


def _key(text: str) -> str:
    text = re.sub(r"[^a-z0-9 ]+", " ", text.casefold())
    text = " ".join(text.split())
    return _PREFIX.sub("", text).strip()


@cache
def _index() -> dict[str, Province]:
    index: dict[str, Province] = {}
    for province in PROVINCES:
        index[_key(province.name)] = province
        for alias in province.aliases:
            index[_key(alias)] = province
    # "DI Yogyakarta" and "DKI Jakarta" are also written without their prefix letters.
    index["daerah istimewa yogyakarta"] = index["yogyakarta"]
    index["daerah khusus ibukota jakarta"] = index["jakarta"]
    return index


def exact(text: str) -> Province | None:
    """The province a word or phrase names exactly ('ntb', 'jatim'), without guessing."""
    return _index().get(_key(text))


def by_name(name: str) -> Province | None:
    """The province with exactly this name (as stored), or None."""
    for province in PROVINCES:
        if province.name == name:
            return province
    return None


def match(text: str) -> tuple[Province | None, list[Province]]:
    """Understand a typed province: (the province, []) or (None, close candidates)."""
    key = _key(text)
    if not key:
        return None, []
    index = _index()
    if key in index:
        return index[key], []
    starts = {p for k, p in index.items() if k.startswith(key + " ") or k.startswith(key)}
    if len(starts) == 1:
        return starts.pop(), []
    if starts:
        return None, sorted(starts, key=PROVINCES.index)[:5]
    scored = sorted(
        ((difflib.SequenceMatcher(None, key, k).ratio(), k) for k in index), reverse=True
    )
    best = [(score, index[k]) for score, k in scored if score >= 0.75]
    found = list(dict.fromkeys(province for _, province in best))
    if found and (len(found) == 1 or best[0][0] >= 0.9):
        return found[0], []
    return None, found[:5]


@cache
def zone_of(province: str | None, default: str) -> str:
    """The zone of a province, or `default` for none (a fan-out asks it of every person)."""
    found = by_name(province) if province else None
    return found.zone if found else default
