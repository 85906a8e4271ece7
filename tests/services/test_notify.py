"""The e-mail settings are checked once, at start: a host without a sender or public URL, or a
sender that is not an address, is a settings error naming what to set."""

from __future__ import annotations

import pytest

from microneedling.config import Settings
from microneedling.services.notify import EmailNotifier, notifier_for

COMPLETE = {
    "environment": "development",
    "smtp_host": "smtp.example.net",
    "smtp_sender": "Clinic <desk@clinic.example>",
    "public_url": "https://clinic.example",
}


@pytest.mark.parametrize(
    ("missing", "named"),
    [("smtp_sender", "MICRONEEDLING_SMTP_SENDER"), ("public_url", "MICRONEEDLING_PUBLIC_URL")],
)
def test_a_host_needs_a_sender_and_a_public_url(missing: str, named: str) -> None:
    with pytest.raises(ValueError, match=f"{named} must be set"):
        Settings(**{**COMPLETE, missing: ""})  # type: ignore[arg-type]


def test_a_sender_must_be_an_address() -> None:
    with pytest.raises(ValueError, match="must be an e-mail address"):
        Settings(**{**COMPLETE, "smtp_sender": "the clinic"})  # type: ignore[arg-type]


def test_no_host_means_no_notifier_and_a_host_means_e_mail() -> None:
    assert notifier_for(Settings(environment="development")) is None
    notifier = notifier_for(Settings(**COMPLETE))  # type: ignore[arg-type]
    assert isinstance(notifier, EmailNotifier)
    assert (notifier.host, notifier.port, notifier.tls) == ("smtp.example.net", 587, "starttls")
    assert notifier.new_message_id().endswith("@clinic.example>")
