"""Lapas (prisons whose workshops make products) and their invite codes."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Lapas


def add(session: Session, name: str, province: str, invite_code: str) -> Lapas:
    lapas = Lapas(name=name, province=province, invite_code=invite_code)
    session.add(lapas)
    session.flush()
    return lapas


def by_code(session: Session, invite_code: str) -> Lapas | None:
    return session.exec(select(Lapas).where(Lapas.invite_code == invite_code)).first()


def get(session: Session, lapas_id: int | None) -> Lapas | None:
    return session.get(Lapas, lapas_id) if lapas_id is not None else None
