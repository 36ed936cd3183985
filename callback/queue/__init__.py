"""The live queue: who of the agents is free, who waits in which order, and taking the next
caller out of Twilio's queue for an agent who became free (DESIGN: presence, order, wire format).

Plain Python on SQLAlchemy connections; the webhooks (ivr_flows/queue_steps.py), the
scheduler's dispatcher thread, the pages and the API call these functions.
"""
