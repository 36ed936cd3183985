"""The IVR's "schreiben Sie uns eine E-Mail" sentences name HOTLINE_MAIL_ADDRESS, the
mailbox the hotline now reads."""

from __future__ import annotations

import pytest
from flask import Flask

from hotline.runtime import Runtime
from hotline.settings import SettingsError, load_settings
from tests.ivr.conftest import Phone

ADDRESS = "hilfe@kassen-support.example"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"HOTLINE_MAIL_ADDRESS": ADDRESS}


def test_a_caller_who_cannot_be_identified_hears_the_configured_address(
    app: Flask, rt: Runtime
) -> None:
    walk = Phone(app, rt).call("+4989111111", ["999#", "998#", "997#"])
    assert f"Bitte schreiben Sie uns eine E-Mail an {ADDRESS}." in walk.heard()
    assert "support@kassen-hotline.example" not in walk.heard()


def test_mail_settings_from_the_environment_and_plain_imap_only_outside_production() -> None:
    settings = load_settings(
        environ={
            "HOTLINE_ENV": "development",
            "HOTLINE_MAIL_ADDRESS": ADDRESS,
            "HOTLINE_IMAP_HOST": "imap.example",
            "HOTLINE_IMAP_USERNAME": "support",
            "HOTLINE_IMAP_PASSWORD": "geheim",
            "HOTLINE_IMAP_TLS": "no",
        }
    )
    assert settings.support_email == ADDRESS
    mail = settings.mail
    assert (mail.imap_port, mail.imap_folder, mail.imap_plain) == (143, "INBOX", True)
    assert mail.imap_configured and "geheim" not in repr(mail)
    assert mail.auto_replies_per_hour == 5 and mail.max_message_bytes == 10 * 1024 * 1024
    with pytest.raises(SettingsError, match="HOTLINE_IMAP_TLS"):
        load_settings(
            environ={
                "HOTLINE_ENV": "production",
                "TWILIO_AUTH_TOKEN": "t",
                "HOTLINE_SECRET_KEY": "k",
                "HOTLINE_IMAP_TLS": "no",
            }
        )
    with pytest.raises(SettingsError, match="HOTLINE_IMAP_PORT"):
        load_settings(environ={"HOTLINE_ENV": "test", "HOTLINE_IMAP_PORT": "imap"})
