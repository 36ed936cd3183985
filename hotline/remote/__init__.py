"""Remote maintenance: TeamViewer service-queue sessions started from a ticket, the link to
the cashier by SMS (mobile numbers) or the session code read aloud (landlines).

Plain Python without Flask: `teamviewer` talks to TeamViewer's Web API, `cashier` decides
how the cashier is reached and words the SMS, `sessions` keeps the life cycle on the ticket.
"""
