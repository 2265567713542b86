"""A channel is a plug-in: one class and one line in the registry. A channel made here, a
dozen lines long, is served by `kriya serve` like Telegram and WhatsApp: people register
through it, and a broadcast reaches them through its dispatcher."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from sqlmodel import Session, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot import channels
from bot.channels.base import Channel, Due, Limits
from bot.config import Config
from conversations import broadcasts
from conversations.messages import Inbound, Outbound
from conversations.sending import SENT, Outcome
from storage.db import session_scope
from storage.models import OutboxMessage, User, utcnow
from tests.conftest import eventually, kriya_serve


class Pigeon(Channel):
    """Messages carried by pigeons: a text posted to /pigeon/<address>, answers kept."""

    name: ClassVar[str] = "pigeon"
    title: ClassVar[str] = "Pigeon post"
    limits: ClassVar[Limits] = Limits(text=1000, media=0, download_mb=0)
    rate = 50.0

    def __init__(self, host: Any) -> None:
        self.host, self.carried = host, []

    @classmethod
    def configure(cls, config: Config, host: Any) -> Pigeon:
        return cls(host)

    def routes(self) -> list[Route]:
        return [Route("/pigeon/{address}", self.land, methods=["POST"])]

    async def land(self, request: Request) -> Response:
        await self.host.reply(self, Inbound(
            channel=self.name, address=request.path_params["address"],
            text=(await request.body()).decode(), message_id=request.headers["X-Id"]))
        return Response(status_code=204)

    async def send(self, due: Due) -> Outcome:
        self.carried.append((due.address, due.kind, Outbound.from_payload(due.payload).text))
        return SENT


@pytest.fixture
def kriya(monkeypatch, database_url, tmp_path):
    monkeypatch.setattr(channels, "CHANNELS", [*channels.CHANNELS, Pigeon])
    config = Config(KRIYA_DATABASE_URL=database_url, KRIYA_MEDIA_DIR=str(tmp_path / "media"))
    with kriya_serve(config) as client:
        yield client


def test_a_channel_made_here_registers_people_and_carries_a_broadcast(kriya):
    pigeon = kriya.app.state.channels["pigeon"]
    assert set(kriya.app.state.channels) == {"pigeon"}  # no token for Telegram or WhatsApp
    for n, text in enumerate(("halo", "1", "1", "Siti Aminah", "Tenun Ikat Sasak", "ntb",
                              "Kota Mataram", "3, 4", "0812 3456 7890", "1")):
        response = kriya.post("/pigeon/loft-7", content=text, headers={"X-Id": f"m{n}"})
        assert response.status_code == 204
    said = [text for address, kind, text in pigeon.carried if address == "loft-7"]
    assert any(text.startswith("Terima kasih, Siti Aminah! Anda sudah terdaftar.") for text in said)
    with Session(kriya.app.state.database) as session:
        siti = session.exec(select(User).where(User.channel == "pigeon")).one()
    assert (siti.address, siti.province) == ("loft-7", "Nusa Tenggara Barat")

    with session_scope(kriya.app.state.database) as session:
        # Sent at the wall clock's hour, which may be night in Nusa Tenggara Barat: no quiet
        # hours here (the night is tested with the outbox).
        sent = broadcasts.queue(session, "Pameran Kriya dibuka besok!", {}, now=utcnow(),
                                quiet=None)
    assert sent.recipients == 1
    carried = eventually(lambda: [c for c in pigeon.carried if c[1] == "broadcast"], bool)
    assert carried == [("loft-7", "broadcast", "Pameran Kriya dibuka besok!")]

    def broadcast_row() -> OutboxMessage:
        with Session(kriya.app.state.database) as session:
            return session.exec(select(OutboxMessage)
                                .where(OutboxMessage.kind == "broadcast")).one()

    # Recorded by the dispatcher as sent, as on any channel (a moment after it went).
    assert eventually(broadcast_row, lambda row: row.status == "sent").status == "sent"
