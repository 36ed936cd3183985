"""Messages for the office, left by callers whose contract has ended (not callbacks)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base


class OfficeMessage(Base):
    """A caller without a running contract asked the office to get in touch: the number
    and time, and the spoken message's recording on Twilio (no transcription). Kept for
    the supervisors; the agents' callback list never shows it."""

    __tablename__ = "office_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The call that left it; unique so a repeated webhook stores it once.
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), unique=True
    )
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="SET NULL"), index=True
    )
    # The caller's number in E.164; "" when withheld or erased.
    phone: Mapped[str] = mapped_column(String(20), default="", index=True)
    left_at: Mapped[datetime] = mapped_column(index=True)
    recording_url: Mapped[str | None] = mapped_column(String(300))
    recording_seconds: Mapped[int | None]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
