"""The people who talk to Kriya: looked up by address, by id, by phone; found in numbers for
reminders and broadcasts; deleted with everything of theirs."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, String, bindparam, cast, delete, insert, or_, update
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from storage import conversations
from storage.models import OutboxMessage, Registration, User, utcnow
from storage.statements import Prepared

USERS = User.__table__

# What a push needs of a person. Without the crafts: matching those is done in SQL, and
# reading them would mean decoding JSON for every one of perhaps a hundred thousand people.
RECIPIENT_COLUMNS = (User.id, User.channel, User.address, User.language, User.province,
                     User.role, User.lapas_id)


_WRITTEN = [column for column in USERS.c if not column.primary_key]


@dataclass(frozen=True)
class _Statements:
    by_id: Prepared
    at: Prepared
    insert: Prepared


@lru_cache(maxsize=8)
def _statements(dialect: Dialect) -> _Statements:
    columns = list(USERS.c)
    return _Statements(
        by_id=Prepared(select(*columns).where(USERS.c.id == bindparam("the_id")), dialect,
                       columns),
        at=Prepared(select(*columns).where((USERS.c.channel == bindparam("channel"))
                                           & (USERS.c.address == bindparam("address"))),
                    dialect, columns),
        insert=Prepared(insert(USERS).values({c.name: bindparam(c.name, type_=c.type)
                                              for c in _WRITTEN}).returning(USERS.c.id),
                        dialect, [USERS.c.id]),
    )


def add(conn: Connection, user: User) -> int:
    """A new person's row, written as it is (the one statement of a registration's last
    answer, not a unit of work); returns, and sets, its id."""
    found = _statements(conn.dialect).insert.first(
        conn, {c.name: getattr(user, c.name) for c in _WRITTEN})
    assert found is not None
    user.id = int(found[0])
    return user.id


def _attach(session: Session, values: tuple[Any, ...] | None) -> User | None:
    """A User built from a plain row and attached as loaded, so changes to it are saved."""
    if values is None:
        return None
    row = dict(zip(USERS.c.keys(), values, strict=True))
    identity = (User, (row["id"],), None)
    if identity in session.identity_map:
        return session.identity_map[identity]
    user = User(**row)
    make_transient_to_detached(user)
    session.add(user)
    return user


def by_id(session: Session, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    conn = session.connection()
    return _attach(session, _statements(conn.dialect).by_id.first(conn, {"the_id": user_id}))


def at(session: Session, channel: str, address: str) -> User | None:
    """The user who writes from this address on this channel, if any."""
    conn = session.connection()
    found = _statements(conn.dialect).at.first(conn, {"channel": channel, "address": address})
    return _attach(session, found)


def registered_with_phone(session: Session, phone: str, not_on: str) -> User | None:
    """Someone registered on another channel with this phone number, if anyone."""
    return session.exec(
        select(User).where(User.phone == phone, User.channel != not_on,
                           col(User.registered_at).is_not(None))
        .order_by(User.id)
    ).first()


def with_phone(session: Session, phone: str) -> User | None:
    """The earliest user with this phone number, on any channel."""
    return session.exec(select(User).where(User.phone == phone).order_by(User.id)).first()


def set_reachable(session: Session, channel: str, address: str, reachable: bool) -> None:
    session.execute(
        update(User)
        .where(User.channel == channel, User.address == address)
        .values(unreachable=not reachable, updated_at=utcnow())
    )


def colleague(session: Session, lapas_id: int, not_user: int) -> User | None:
    """Another registered officer of a Lapas, if any."""
    return session.exec(
        select(User).where(User.lapas_id == lapas_id, User.id != not_user,
                           col(User.registered_at).is_not(None))).first()


def delete_with_messages(session: Session, user: User) -> None:
    """A person's row, their conversation and every message to their address (rows tied
    by user_id go with the user through the foreign keys' cascade)."""
    session.execute(delete(OutboxMessage).where(OutboxMessage.channel == user.channel,
                                                OutboxMessage.address == user.address))
    conversations.delete_at(session, user.channel, user.address)
    session.delete(user)
    session.flush()


def _may_be_pushed_to() -> Any:
    """Registered, and neither stopped pushes (BERHENTI) nor out of reach."""
    return (col(User.registered_at).is_not(None) & col(User.opted_out).is_(False)
            & col(User.unreachable).is_(False))


def reachable(
    session: Session, *, roles: Collection[str] | None = None,
    provinces: Collection[str] | None = None, crafts: Collection[str] = (),
    crafts_may_be_empty: bool = False,
) -> list[Any]:
    """People pushes may reach (RECIPIENT_COLUMNS), narrowed by role, province and craft
    (one of `crafts`; with `crafts_may_be_empty`, also those who named none)."""
    query = select(*RECIPIENT_COLUMNS).where(_may_be_pushed_to())
    if roles is not None:
        query = query.where(col(User.role).in_(list(roles)))
    if provinces is not None:
        query = query.where(col(User.province).in_(list(provinces)))
    if crafts:
        stored = cast(User.categories, String)
        matches = [stored.like(f'%"{code}"%') for code in crafts]
        if crafts_may_be_empty:
            matches.append(stored == "[]")
        query = query.where(or_(*matches))
    return list(session.connection().execute(query))


def holding(session: Session, program_id: str, statuses: Sequence[str]) -> list[Any]:
    """People pushes may reach whose sign-up for a program is in one of `statuses`."""
    return list(session.execute(
        select(*RECIPIENT_COLUMNS).join(Registration, col(Registration.user_id) == User.id)
        .where(Registration.program_id == program_id, col(Registration.status).in_(statuses),
               _may_be_pushed_to())
    ))


def crafts_of(session: Session, user_ids: Sequence[int]) -> dict[int, list[str]]:
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.categories)
                           .where(col(User.id).in_(list(user_ids)))).all()
    return {user_id: list(crafts or ()) for user_id, crafts in rows}


def with_crafts(session: Session, crafts: Collection[str], among: Sequence[Any]) -> list[Any]:
    """Those of `among` (recipient rows) who make one of `crafts`."""
    made = crafts_of(session, [person.id for person in among])
    wanted = set(crafts)
    return [person for person in among if wanted & set(made.get(person.id) or ())]



def staff(session: Session) -> list[User]:
    """Every person with a staff role, by office, then channel and address."""
    found = session.exec(select(User).where(cast(User.staff_roles, String) != "[]")
                         .order_by(User.office_id, User.channel, User.address))
    return list(found)
