"""The database tables; importing this package registers all of them on Base.metadata."""

from hotline.models.agents import Agent, ApiToken
from hotline.models.base import Base, UTCDateTime, table_of
from hotline.models.callbacks import Callback, CallbackAttempt
from hotline.models.calls import Call, CallStep, PinAttempt
from hotline.models.customers import (
    Contact,
    Contract,
    ContractEvent,
    Customer,
    PhoneNumber,
    Station,
)
from hotline.models.mail import (
    ImapFolderState,
    Mail,
    MailAttachment,
    MailCancellation,
    UndeliverableAddress,
)
from hotline.models.office import OfficeMessage
from hotline.models.queue import QueueEntry
from hotline.models.throttles import LoginThrottle
from hotline.models.tickets import Counter, RemoteSession, Ticket, TicketNote

__all__ = [
    "Agent",
    "ApiToken",
    "Base",
    "Call",
    "CallStep",
    "Callback",
    "CallbackAttempt",
    "Contact",
    "Contract",
    "ContractEvent",
    "Counter",
    "Customer",
    "LoginThrottle",
    "ImapFolderState",
    "Mail",
    "MailAttachment",
    "MailCancellation",
    "OfficeMessage",
    "PhoneNumber",
    "PinAttempt",
    "QueueEntry",
    "RemoteSession",
    "Station",
    "Ticket",
    "TicketNote",
    "UndeliverableAddress",
    "UTCDateTime",
    "table_of",
]
