"""Tanya petugas: the person writes to a person of the office that reaches them.

Everything they send here (text and photos) goes to their thread until they type menu
(or batal), or staff close the thread; answers come back in this chat."""

from __future__ import annotations

from typing import Any

from conversations import threads
from conversations.answers import Answer, Invalid, clean
from conversations.context import Context
from conversations.flow import END, Branch, Flow, OwnMessage, Step
from conversations.i18n import N_
from conversations.messages import Inbound

SENT, CLOSED = "sent", "closed"


class ThreadWords(Answer):
    """Words, photos, or both."""

    takes_photos = True

    def parse(self, inbound: Inbound, ctx: Context) -> dict[str, Any]:
        if inbound.choice is not None:
            raise Invalid(ctx._("That button belongs to an earlier question. Please write "
                                "your message."))
        text = clean(inbound.text)
        if len(text) > threads.MAX_TEXT:
            raise Invalid(ctx._("That is too long: at most {n} characters, yours has {m}.")
                          .format(n=threads.MAX_TEXT, m=len(text)))
        if not text and not inbound.photos:
            raise Invalid(ctx._("Please write your message, or send a photo."))
        return {"text": text, "photos": [{"path": p.ref, "thumb": p.thumb}
                                         for p in inbound.photos]}


def _where(ctx: Context) -> None:
    assert ctx.user is not None
    office, resumed = threads.office_of(ctx.session, ctx.user)
    ctx.cache["office"], ctx.cache["resumed"] = office.name, resumed


def _prompt(ctx: Context) -> str:
    office = ctx.cache.get("office", "")
    if ctx.cache.get("sent"):
        return ctx._("Sent to {office} ✔. A staff member will answer in this chat. You may "
                     "write more, or type menu for the main menu.").format(office=office)
    if ctx.cache.get("resumed"):
        return ctx._("Your conversation with {office} is still open. Write your message; "
                     "you may send photos too. Type menu for the main menu.").format(
            office=office)
    return ctx._("Write your question for {office}. A staff member will answer in this "
                 "chat; you may send photos too. Type menu for the main menu.").format(
        office=office)


def _send(ctx: Context) -> str | None:
    assert ctx.user is not None
    value = ctx.answers["write"]
    thread = threads.write(ctx.session, ctx.user, ctx.scratch.get("thread"), value["text"],
                           value["photos"], ctx.now)
    if thread is None:
        ctx.answers["write"] = CLOSED
        return OwnMessage(ctx._("This conversation was closed by the office, so your message "
                                "was not sent. To ask again, choose Ask an officer."))
    ctx.scratch["thread"] = thread.id
    ctx.answers["write"] = SENT
    ctx.cache["sent"] = True
    return None


question = Flow(threads.QUESTION_FLOW, title=N_("Ask an officer"), steps=[
    Step("write", _prompt, ThreadWords(), before_asking=_where, on_answer=_send,
         then=Branch(lambda answers: END if answers["write"] == CLOSED else "write",
                     ("write", END))),
])
