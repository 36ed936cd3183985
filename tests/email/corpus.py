"""Test messages shaped like real ones: Outlook, out-of-office, a list, a bounce, Latin-1,
HTML-only, a big attachment, no Message-ID, a forged ticket tag. Written for the tests."""

from __future__ import annotations

import base64
import os

SUPPORT = "support@kassen-hotline.example"


def plain(
    sender: str,
    subject: str,
    body: str,
    *,
    message_id: str | None = "<m1@example.de>",
    extra: str = "",
    to: str = SUPPORT,
) -> bytes:
    """A simple UTF-8 text mail as a phone or webmail client sends it."""
    mid = f"Message-ID: {message_id}\n" if message_id else ""
    return (
        (
            "Return-Path: <{s}>\nReceived: from mx.example.de by mail.kassen-hotline.example; "
            "Mon, 30 Nov 2026 09:59:58 +0000\n"
            f"From: Kunde <{sender}>\nTo: {to}\nSubject: {subject}\n"
            f"Date: Mon, 30 Nov 2026 10:59:00 +0100\n{mid}{extra}"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n\n"
            f"{body}\n"
        )
        .replace("{s}", sender)
        .encode("utf-8")
    )


def outlook_reply(sender: str, ticket_tag: str, in_reply_to: str) -> bytes:
    """Outlook's answer: X-Auto-Response-Suppress (a request, not an automatic mail),
    Thread-Index, AW: prefix, quoted history in the German layout, CRLF line ends."""
    text = (
        f"From: Chef Krause <{sender}>\r\n"
        f"To: Kassen-Support <{SUPPORT}>\r\n"
        f"Subject: AW: {ticket_tag} Kasse startet nicht\r\n"
        "Date: Mon, 30 Nov 2026 11:20:00 +0100\r\n"
        "Message-ID: <AM0PR01MB1234ABCD@AM0PR01MB1234.eurprd01.prod.outlook.com>\r\n"
        f"In-Reply-To: {in_reply_to}\r\n"
        f"References: {in_reply_to}\r\n"
        "Thread-Topic: Kasse startet nicht\r\n"
        "Thread-Index: AQHZ1abcdEFGH==\r\n"
        "X-Auto-Response-Suppress: All\r\n"
        "X-MS-Has-Attach:\r\n"
        "Content-Language: de-DE\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="_000_AM0PR01"\r\n\r\n'
        "--_000_AM0PR01\r\n"
        'Content-Type: text/plain; charset="iso-8859-1"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Danke, nach dem Neustart l=E4uft die Kasse wieder.\r\n\r\n"
        "-----Urspr=FCngliche Nachricht-----\r\n"
        f"Von: Kassen-Support <{SUPPORT}>\r\n"
        "Betreff: Kasse startet nicht\r\n\r\n"
        "Bitte starten Sie die Kasse neu.\r\n\r\n"
        "--_000_AM0PR01\r\n"
        'Content-Type: text/html; charset="iso-8859-1"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "<html><body><p>Danke, nach dem Neustart l=E4uft die Kasse wieder.</p></body></html>\r\n"
        "--_000_AM0PR01--\r\n"
    )
    return text.encode("ascii")


def out_of_office(sender: str, in_reply_to: str | None = None) -> bytes:
    refs = f"In-Reply-To: {in_reply_to}\n" if in_reply_to else ""
    return (
        f"From: {sender}\nTo: {SUPPORT}\n"
        "Subject: Automatische Antwort: Ihre Anfrage\n"
        "Date: Mon, 30 Nov 2026 11:00:00 +0100\n"
        "Message-ID: <ooo-1@example.de>\n"
        f"{refs}Auto-Submitted: auto-replied\nX-Autoreply: yes\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Ich bin bis zum 7. Dezember nicht im Büro.\n"
    ).encode()


def mailing_list(sender: str) -> bytes:
    return (
        f"From: Newsletter <{sender}>\nTo: {SUPPORT}\n"
        "Subject: Kassen-News Dezember\n"
        "Date: Mon, 30 Nov 2026 08:00:00 +0100\n"
        "Message-ID: <news-2026-12@lists.example.de>\n"
        "List-Id: Kassen-News <news.lists.example.de>\n"
        "List-Unsubscribe: <mailto:leave@lists.example.de>\n"
        "Precedence: list\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Neues aus der Welt der Kassen.\n"
    ).encode()


def bounce(original_message_id: str, failed: str) -> bytes:
    """A Postfix delivery status notification (multipart/report) for one of our mails."""
    return (
        "Return-Path: <>\n"
        "From: MAILER-DAEMON@mx.kassen-hotline.example (Mail Delivery System)\n"
        f"To: {SUPPORT}\nSubject: Undelivered Mail Returned to Sender\n"
        "Date: Mon, 30 Nov 2026 10:05:00 +0100\n"
        "Message-ID: <20261130090500.ABC12@mx.kassen-hotline.example>\n"
        "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"\n\n'
        "--B1\nContent-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n"
        "I'm sorry to have to inform you that your message could not be delivered.\n\n"
        "--B1\nContent-Description: Delivery report\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.kassen-hotline.example\n\n"
        f"Final-Recipient: rfc822; {failed}\nOriginal-Recipient: rfc822;{failed}\n"
        "Action: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <" + failed + ">: Recipient address rejected\n\n"
        "--B1\nContent-Description: Undelivered Message Headers\n"
        "Content-Type: text/rfc822-headers\n\n"
        f"From: Kassen-Support <{SUPPORT}>\nTo: {failed}\n"
        f"Message-ID: {original_message_id}\nSubject: Re: Kasse\n\n"
        "--B1--\n"
    ).encode("ascii")


def latin1(sender: str) -> bytes:
    body = "Grüße aus Köln: die Kasse zeigt »Fehler 17« – bitte um Rückruf. 5 €."
    return (
        (
            f"From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <{sender}>\nTo: {SUPPORT}\n"
            "Subject: =?ISO-8859-1?Q?St=F6rung_an_der_Kasse?=\n"
            "Date: Mon, 30 Nov 2026 10:30:00 +0100\nMessage-ID: <latin1@example.de>\n"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-8859-1\n"
            "Content-Transfer-Encoding: 8bit\n\n"
        ).encode("ascii")
        + body.encode("cp1252")
        + b"\n"
    )


def html_only(sender: str) -> bytes:
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<p>Hallo Support,</p><p>der <b>Bondrucker</b> druckt nicht &amp; piept.</p>"
        "<ul><li>Kasse 2</li></ul><img src=x onerror=alert(1)></body></html>"
    )
    return (
        f"From: {sender}\nTo: {SUPPORT}\nSubject: Drucker\n"
        "Date: Mon, 30 Nov 2026 10:31:00 +0100\nMessage-ID: <html-only@example.de>\n"
        "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n" + html + "\n"
    ).encode("utf-8")


def with_attachment(sender: str, size: int, message_id: str) -> bytes:
    data = base64.encodebytes(os.urandom(size)).decode("ascii")
    return (
        f"From: {sender}\nTo: {SUPPORT}\nSubject: Foto vom Fehler\n"
        f"Date: Mon, 30 Nov 2026 10:32:00 +0100\nMessage-ID: {message_id}\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XX"\n\n'
        "--XX\nContent-Type: text/plain; charset=utf-8\n\nSiehe Foto.\n"
        '--XX\nContent-Type: image/jpeg; name="fehler.jpg"\n'
        'Content-Disposition: attachment; filename="fehler.jpg"\n'
        "Content-Transfer-Encoding: base64\n\n" + data + "--XX--\n"
    ).encode("ascii")
