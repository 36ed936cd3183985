"""The voice webhooks' fast database path: the one place that knows how they talk to the
database quickly, and the only place that knows which database it is.

What it guarantees (docs/architecture.md, "What the fast path guarantees"):

- Once per request: a step's writes and its answer commit in one transaction, on
  PostgreSQL mostly as one statement without BEGIN and COMMIT round trips; Twilio's retry
  gets the stored answer (call_row.load_with_answer).
- Durable where people act on it: a new call, a ticket, a callback and a PIN attempt are
  on disk when the answer leaves; a call's mere progress may commit without waiting for
  the disk, never a part of a transaction (transactions.py).
- Bounded connections: between requests the webhooks keep at most the pool's size of
  connections, whatever server runs the app (connections.py).
- Same behaviour on both databases: the statements are the domains' plain SQLAlchemy,
  compiled by SQLAlchemy for the dialect and run with its types and errors
  (statements.py, libpq.py); SQLite's writers queue across processes (sqlite_writers.py).

The narrow interface, all that the rest of the code calls:

- `ivr_flows/webhook.py` (one step) and the status callback: `connections.
  webhook_transaction(rt)`, `call_row.load_with_answer` / `new_call` / `Loaded`,
  `call_status.record_status`.
- `ivr_flows/state.py` (`Step`, whose intent methods are what handlers call): `call_row.
  CallRow` / `save` / `save_with_answer` / `Write` / `available_phones` /
  `matches_of_number`, `tickets.open_phone_ticket`. A domain's write made with a step's
  answer is a plain SQLAlchemy UPDATE or INSERT with bind names of its own and its
  parameters (`call_row.Write`), handed to `Step.write_with_answer` by an intent method.
- `hotline/db.py` and `hotline/runtime.py`: `engines.install(engine)`,
  `engines.SQLITE_CONNECTION`, `engines.webhook_engine_options`,
  `connections.HeldConnections`.

Domain code (hotline/, callback/queue, email_support) never imports this package: it
exports statements and one function per rule, which this package prepares and combines.
This module imports nothing, so that hotline/db.py can import `engines` without a cycle.
"""
