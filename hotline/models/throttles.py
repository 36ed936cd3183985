"""Counters of failed sign-ins, one row per key (an account, a client address, or both)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base


class LoginThrottle(Base):
    """Failed sign-ins under one key since `window_start`; no try before `next_try_at`."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime]
    next_try_at: Mapped[datetime]
