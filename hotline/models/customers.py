"""Customers, their contracts, stations (registers), admins and phone numbers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.contracts import ContractFacts, Plan
from hotline.models.base import Base


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Digits only: callers type it on the keypad.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    contracts: Mapped[list[Contract]] = relationship(back_populates="customer")


class Contract(Base):
    __tablename__ = "contracts"
    __table_args__ = (CheckConstraint("plan IN ('flat', 'second_level')", name="plan"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    plan: Mapped[str] = mapped_column(String(20))
    start: Mapped[date]
    cancellation_received: Mapped[date | None]
    cancellation_by: Mapped[str | None] = mapped_column(String(20))
    # Stored, not only derived, so "which contracts end this month" is one query.
    effective_end: Mapped[date | None]
    termination_effective: Mapped[date | None]
    termination_reason: Mapped[str | None] = mapped_column(Text)
    # Second Level: put cashiers through to their admin instead of saying goodbye.
    dial_admin_for_cashiers: Mapped[bool] = mapped_column(default=False)
    pin_locked_until: Mapped[datetime | None]
    # Wrong admin PINs in the hour since pin_window_start; hotline/accounts/pin_limits.py
    # counts them with one conditional UPDATE, so parallel calls cannot exceed the limit.
    pin_wrong: Mapped[int] = mapped_column(default=0, server_default="0")
    pin_window_start: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    customer: Mapped[Customer] = relationship(back_populates="contracts")
    stations: Mapped[list[Station]] = relationship(
        back_populates="contract", order_by="Station.number", cascade="all, delete-orphan"
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="contract", cascade="all, delete-orphan"
    )
    events: Mapped[list[ContractEvent]] = relationship(
        back_populates="contract", order_by="ContractEvent.id", cascade="all, delete-orphan"
    )

    @property
    def facts(self) -> ContractFacts:
        """The plain facts the contract rules work on."""
        return facts_of(self)


# The contract's columns that `facts_of` reads: a query whose rows go to it selects these.
FACT_COLUMNS = (
    "plan", "start", "cancellation_received", "cancellation_by", "termination_effective",
    "termination_reason",
)  # fmt: skip


def facts_of(contract: Any) -> ContractFacts:
    """The facts of a Contract, or of a row with the contract's column names
    (`FACT_COLUMNS`)."""
    return ContractFacts(
        plan=Plan(contract.plan),
        start=contract.start,
        cancellation_received=contract.cancellation_received,
        cancellation_by=contract.cancellation_by,
        termination_effective=contract.termination_effective,
        termination_reason=contract.termination_reason,
    )


class ContractEvent(Base):
    """The status history: what happened to a contract, when and by whom."""

    __tablename__ = "contract_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")

    contract: Mapped[Contract] = relationship(back_populates="events")


class Station(Base):
    """A register ("Kasse") covered by a contract."""

    __tablename__ = "stations"
    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    teamviewer_id: Mapped[str | None] = mapped_column(String(40))

    contract: Mapped[Contract] = relationship(back_populates="stations")
    phones: Mapped[list[PhoneNumber]] = relationship(
        back_populates="station", cascade="all, delete-orphan"
    )


class Contact(Base):
    """A person of the customer; today only the contract's registered admins."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20), default="admin")
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    pin_hash: Mapped[str | None] = mapped_column(String(200))

    contract: Mapped[Contract] = relationship(back_populates="contacts")
    phones: Mapped[list[PhoneNumber]] = relationship(
        back_populates="contact", cascade="all, delete-orphan"
    )


class PhoneNumber(Base):
    """One E.164 number of a station or a contact; a number may recur across customers."""

    __tablename__ = "phone_numbers"
    __table_args__ = (
        CheckConstraint("(station_id IS NULL) <> (contact_id IS NULL)", name="station_xor_contact"),
        Index("ix_phone_numbers_e164", "e164"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    e164: Mapped[str] = mapped_column(String(20))
    # Denormalised so that the caller-ID lookup is one index scan and no join.
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))

    station: Mapped[Station | None] = relationship(back_populates="phones")
    contact: Mapped[Contact | None] = relationship(back_populates="phones")
