"""What a staff member reaches: the office they work for, its provinces and its programs.

A national office (no provinces) reaches all of Indonesia and every program; any other
reaches the people, products, Lapas and sign-ups of its provinces and the programs it
made. The chat, the console and the command line all ask here, so one rule holds in each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from conversations import offices
from conversations.vocabulary import ADMIN, BROADCASTER, CURATOR, STAFF_ROLES, VIEWER
from storage.models import Office, Program, User


@dataclass(frozen=True)
class Reach:
    office: Office
    roles: frozenset[str]

    @property
    def national(self) -> bool:
        return not self.office.provinces

    @property
    def provinces(self) -> tuple[str, ...] | None:
        """The provinces reached; None for all of them."""
        return None if self.national else tuple(self.office.provinces)

    def covers(self, province: str | None) -> bool:
        return self.national or province in self.office.provinces

    def owns(self, program: Program | None) -> bool:
        """Whether this office runs the program (a national office runs them all)."""
        return program is not None and (self.national or program.office_id == self.office.id)

    @property
    def program_office(self) -> str | None:
        """The office whose programs are this reach's; None for every program."""
        return None if self.national else self.office.id

    def sees_user(self, user: User | None) -> bool:
        return user is not None and self.covers(user.province)

    @property
    def changes_things(self) -> bool:
        """Whether any role held may change anything (a viewer only looks)."""
        return bool(self.roles - {VIEWER})

    @property
    def runs_programs(self) -> bool:
        """Admins and curators make and change programs; as in the chat's /program."""
        return bool({ADMIN, CURATOR} & self.roles)

    @property
    def admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def curator(self) -> bool:
        return CURATOR in self.roles

    @property
    def broadcaster(self) -> bool:
        return BROADCASTER in self.roles

    @property
    def sends_broadcasts(self) -> bool:
        """Broadcasters and admins send and stop their office's broadcasts."""
        return bool({ADMIN, BROADCASTER} & self.roles)

    def audience(self, audience: Mapping[str, Any]) -> dict[str, Any] | None:
        """A broadcast audience narrowed to the office's provinces; None when nobody of
        the asked provinces is within reach."""
        narrowed = dict(audience)
        if self.national:
            return narrowed
        asked = audience.get("provinces") or self.office.provinces
        kept = [province for province in asked if province in self.office.provinces]
        if not kept:
            return None
        narrowed["provinces"] = kept
        return narrowed


def of(session: Session, user: User | None) -> Reach | None:
    """The reach of a staff member now; None for anyone without a role or an office."""
    if user is None or not user.staff_roles:
        return None
    office = offices.get(session, user.office_id or offices.NATIONAL)
    if office is None:
        return None
    return Reach(office, frozenset(user.staff_roles))


def of_office(session: Session, office_id: str | None) -> Reach | None:
    """The reach of an office when the command line acts for it (every role that changes
    things); None when there is no such office."""
    office = offices.get(session, office_id or offices.NATIONAL)
    if office is None:
        return None
    return Reach(office, frozenset(STAFF_ROLES) - {VIEWER})
