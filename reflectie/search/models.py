"""The outbox: changes waiting to reach the index, written in the same transaction."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reflectie.db import Base, created_at, intpk


class OutboxEntry(Base):
    __tablename__ = "search_outbox"

    id: Mapped[intpk]
    doc_type: Mapped[str] = mapped_column(String(32))
    doc_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<OutboxEntry {self.id} {self.doc_type}:{self.doc_id}>"
