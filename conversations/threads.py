"""Tanya petugas: a person's question to the office that reaches their province (the
national office when none does), answered by a person of that office.

The chat writes into the person's open thread; staff read it in the console, answer (the
answer goes to the person's chat through the outbox, as a reply), assign it to a colleague
and close it. A thread belongs to its office alone: another office's is not found. Two
staff answering at once both get their answer through; closing is done once, and the
second to close is told it already was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from conversations import audit, offices
from conversations.i18n import N_, Translator
from conversations.messages import Outbound
from conversations.outbox import Message, MessageKind, Recipient, queue, translator_for
from conversations.reach import Reach
from conversations.vocabulary import VIEWER
from storage import offices as office_rows
from storage import people as people_rows
from storage import threads as rows
from storage import users as user_rows
from storage.models import Office, User
from storage.thread_models import Thread, ThreadMessage, ThreadStatus

QUESTION_FLOW = "question"  # the chat's flow in which a person writes to their thread
MAX_TEXT = 2000  # one message either way: a question, or an answer
FILTERS = ("open", "mine", "closed")

__all__ = ["FILTERS", "MAX_TEXT", "QUESTION_FLOW", "Thread", "ThreadMessage", "ThreadRefused",
           "ThreadStatus"]


class ThreadRefused(ValueError):
    """Staff asked for something the thread does not allow; `message` says why (N_).
    `typed` when what they typed is the problem (not the thread's state)."""

    def __init__(self, message: str, typed: bool = False) -> None:
        super().__init__(message)
        self.message, self.typed = message, typed


# The person's side


def office_for(session: Session, province: str | None) -> Office:
    """The office a question from this province goes to: one that names the province
    (the first by id, should several), else the national office."""
    for office in office_rows.every(session):
        if office.provinces and offices.reaches(office, province):  # a provincial one
            return office
    found = offices.get(session, offices.NATIONAL)
    assert found is not None
    return found


def open_for(session: Session, user: User, now: datetime) -> tuple[Thread, Office, bool]:
    """The person's open thread, or a new one with the office that reaches them; and
    whether it is new."""
    assert user.id is not None
    thread = rows.open_of(session, user.id)
    if thread is not None:
        office = office_rows.get(session, thread.office_id)
        if office is not None:
            return thread, office, False
    office = office_for(session, user.province)
    thread = rows.add(session, Thread(user_id=user.id, office_id=office.id, opened_at=now,
                                      status=ThreadStatus.OPEN.value))
    return thread, office, True


def write(session: Session, user: User, thread_id: int | None, text: str,
          photos: Sequence[dict[str, Any]], now: datetime) -> Thread | None:
    """The person's words and photos ({"path", "thumb"}) into their thread: the one they
    were writing to (`thread_id`), or their open one, or a new one. None when the thread
    they were writing to was closed meanwhile: the message is not kept."""
    if thread_id is not None:
        current = rows.get(session, thread_id)
        if current is None or current.status != ThreadStatus.OPEN:
            return None
    thread, _, _ = open_for(session, user, now)
    assert thread.id is not None
    parts = [(text, None)] if text or not photos else []
    parts += [("", photo) for photo in photos]
    for words, photo in parts:
        rows.add_message(session, ThreadMessage(
            thread_id=thread.id, at=now, text=words,
            photo=photo.get("path") if photo else None,
            thumb=photo.get("thumb") if photo else None))
    thread.last_user_message_at = now
    thread.waiting_since = thread.waiting_since or now
    session.add(thread)
    session.flush()
    return thread


def office_of(session: Session, user: User) -> tuple[Office, bool]:
    """The office the person's question goes to, and whether a thread with it is open."""
    thread = rows.open_of(session, user.id) if user.id is not None else None
    office = office_rows.get(session, thread.office_id) if thread is not None else None
    if office is not None:
        return office, True
    return office_for(session, user.province), False


def files_of(session: Session, user: User) -> set[str]:
    """The photos a person sent in their threads: erased with them."""
    return rows.files_of_user(session, user.id) if user.id is not None else set()


# The office's side


@dataclass(frozen=True)
class Listed:
    thread: Thread
    user: User
    assignee: str | None
    waited: timedelta | None  # how long the person has waited for an answer


def listing(session: Session, reach: Reach, staff: User, which: str, now: datetime,
            offset: int = 0, limit: int = 20) -> tuple[list[Listed], int]:
    """The office's threads: all, "open", "mine" (open and assigned to `staff`) or
    "closed"; open first, the longest waiting first."""
    status = {"open": ThreadStatus.OPEN, "mine": ThreadStatus.OPEN,
              "closed": ThreadStatus.CLOSED}.get(which)
    found, total = rows.of_office(session, reach.office.id, status=status,
                                  assigned_to=staff.id if which == "mine" else None,
                                  offset=offset, limit=limit)
    return [Listed(thread, user, name, waited(thread, now))
            for thread, user, name in found], total


def waited(thread: Thread, now: datetime) -> timedelta | None:
    """How long the person has waited for an answer; None when answered."""
    if thread.waiting_since is None:
        return None
    return max(now - thread.waiting_since, timedelta())


def visible(session: Session, reach: Reach, thread_id: int) -> Thread | None:
    """A thread of the office; None for another office's, as for a missing one."""
    thread = rows.get(session, thread_id)
    return thread if thread is not None and thread.office_id == reach.office.id else None


def messages(session: Session, thread: Thread) -> list[ThreadMessage]:
    return rows.messages(session, thread.id or 0)


def names(session: Session, ids: Sequence[int | None]) -> dict[int, str]:
    """Staff names by id, for who answered, who is assigned, who closed."""
    return rows.staff_names(session, [i for i in ids if i is not None])


def shows_file(session: Session, reach: Reach, thread_id: int, path: str) -> bool:
    """Whether a file is a photo of a thread of this office (what the console serves)."""
    return visible(session, reach, thread_id) is not None and \
        rows.has_photo(session, thread_id, path)


def colleagues(session: Session, reach: Reach) -> list[User]:
    """Who of the office may be given a thread: its staff who may answer (no viewers)."""
    return [user for user in people_rows.staff_of(session, reach.office.id)
            if set(user.staff_roles) - {VIEWER}]


def answer(session: Session, staff: User, reach: Reach, thread_id: int, text: str,
           now: datetime, default_zone: str, *, via: str = audit.CONSOLE
           ) -> ThreadMessage | None:
    """A staff answer, sent to the person's chat; None when the thread is not the
    office's. Raises ThreadRefused for an empty or too long answer or a closed thread.
    The first to answer an unassigned thread takes it."""
    _may_act(reach)
    thread = visible(session, reach, thread_id)
    if thread is None or thread.id is None:
        return None
    text = text.strip()
    if not text:
        raise ThreadRefused(N_("Please write an answer first."), typed=True)
    if len(text) > MAX_TEXT:
        raise ThreadRefused(N_("That is too long: at most {n} characters."), typed=True)
    if thread.status != ThreadStatus.OPEN:
        raise ThreadRefused(N_("This conversation is closed: the answer was not sent."))
    message = rows.add_message(session, ThreadMessage(
        thread_id=thread.id, at=now, from_staff=True, staff_id=staff.id, text=text))
    thread.waiting_since = None
    thread.assigned_to = thread.assigned_to or staff.id
    session.add(thread)
    audit.record(session, staff, via, "thread.answered", "thread", thread.id,
                 after={"message": message.id, "characters": len(text)},
                 office_id=reach.office.id, now=now)
    _tell(session, thread, reach.office, f"thread:{thread.id}:answer:{message.id}", now,
          default_zone, lambda tr, in_thread: _answer_words(tr, reach.office, text, in_thread))
    return message


def assign(session: Session, staff: User, reach: Reach, thread_id: int,
           assignee_id: int | None, now: datetime, *, via: str = audit.CONSOLE
           ) -> Thread | None:
    """Give the thread to a colleague who may answer (None: to nobody); None when the
    thread is not the office's. Raises ThreadRefused for anyone else."""
    _may_act(reach)
    thread = visible(session, reach, thread_id)
    if thread is None:
        return None
    if assignee_id is not None and assignee_id not in {u.id for u in colleagues(session, reach)}:
        raise ThreadRefused(N_("Choose a colleague of your office."))
    if thread.assigned_to != assignee_id:
        audit.record(session, staff, via, "thread.assigned", "thread", thread.id,
                     before={"assigned_to": thread.assigned_to},
                     after={"assigned_to": assignee_id}, office_id=reach.office.id, now=now)
        thread.assigned_to = assignee_id
        session.add(thread)
        session.flush()
    return thread


def close(session: Session, staff: User, reach: Reach, thread_id: int, now: datetime,
          default_zone: str, *, via: str = audit.CONSOLE) -> Thread | None:
    """Close the thread and tell the person; None when it is not the office's. Raises
    ThreadRefused when it was closed already (by a colleague, a moment ago)."""
    _may_act(reach)
    thread = visible(session, reach, thread_id)
    if thread is None or thread.id is None:
        return None
    if not rows.close(session, thread.id, staff.id, now):
        raise ThreadRefused(N_("This conversation was already closed."))
    session.refresh(thread)
    audit.record(session, staff, via, "thread.closed", "thread", thread.id,
                 before={"status": ThreadStatus.OPEN}, after={"status": ThreadStatus.CLOSED},
                 office_id=reach.office.id, now=now)
    office = reach.office
    _tell(session, thread, office, f"thread:{thread.id}:closed", now, default_zone,
          lambda tr, _: tr._("{office} has closed this conversation. To ask something "
                             "else, choose Ask an officer in the main menu.").format(
              office=office.name))
    return thread


def _may_act(reach: Reach) -> None:
    if not reach.changes_things:
        raise PermissionError("a viewer changes nothing")


def _answer_words(tr: Translator, office: Office, text: str, in_thread: bool) -> str:
    how = tr._("To reply, just write here. Type menu for the main menu.") if in_thread \
        else tr._("To reply, choose Ask an officer in the main menu.")
    return "\n\n".join((tr._("Answer from {office}:").format(office=office.name), text, how))


def _tell(session: Session, thread: Thread, office: Office, key: str, now: datetime,
          default_zone: str, words: Any) -> None:
    """Queue news of the thread to its person, in their language, cut to fit a screen."""
    user = user_rows.by_id(session, thread.user_id)
    if user is None:
        return
    in_thread = rows.conversation_flow(session, user.channel, user.address) == QUESTION_FLOW
    text = words(translator_for(user, default_zone), in_thread)
    pieces = Outbound(text=text).fitted()
    queue(session, [Message(Recipient.of(user), MessageKind.REPLY, f"{key}:{n}",
                            piece.to_payload(), topic=f"thread:{thread.id}")
                    for n, piece in enumerate(pieces)], now, once=True)
