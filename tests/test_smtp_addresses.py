"""MAIL FROM and RCPT TO carry each address exactly as smtplib would write it, plain ones without its parse."""

import smtplib

import pytest

from outreach.mail.transport import _angle


@pytest.mark.parametrize("address", [
    "bo@example.org", "Bo.Fit+news@Example.ORG", "o'brien@mail.example.ie", "a_b-c@sub.example.co.uk",
    "a..b@example.org", ".bo@example.org", "bo@", "Bo Fit <bo@example.org>", '"bo fit"@example.org',
    "bo@[192.0.2.1]", "bo", "",
])
def test_the_address_is_written_as_smtplib_quoteaddr_writes_it(address):
    assert _angle(address) == smtplib.quoteaddr(address)
