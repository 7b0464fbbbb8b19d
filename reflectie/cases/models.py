"""Cases and their reference data."""

from __future__ import annotations

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reflectie.db import Base


class Kwestie(Base):
    """One of the seven kwesties of wijkgericht werken (reference data, loaded from seed/)."""

    __tablename__ = "kwesties"

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)

    def __repr__(self) -> str:
        return f"<Kwestie {self.number} {self.slug}>"
