"""Building messages: header injection is refused with a clear error; good data gives well-formed headers."""

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from outreach.mail.message import HeaderInjectionError, Outgoing, build_message

GOOD = dict(
    from_name="Ana Example", from_address="ana@brand.example", to_name="Bo Fit", to_address="bo@example.org",
    subject="Hello", text="Hi Bo\n", html=None, message_id="<1@brand.example>",
    date=datetime(2026, 3, 2, 10, tzinfo=UTC), physical_address="Example Brand, 1 Main St",
)


@pytest.mark.parametrize("field", ["to_name", "from_name", "subject"])
@pytest.mark.parametrize("payload", ["x\r\nBcc: victim@example.org", "x\nBcc: v@e.org", "x\rB", "x\u2028B", "x\x00"])
def test_line_breaks_in_any_header_value_are_refused(field, payload):
    with pytest.raises(HeaderInjectionError, match="would contain a line break"):
        build_message(Outgoing(**{**GOOD, field: payload}))


@pytest.mark.parametrize("address", ["bo@example.org, eve@example.org", "Bo <bo@example.org>", "bo@example.org\r\n"])
def test_recipient_must_be_one_plain_address(address):
    with pytest.raises(HeaderInjectionError):
        build_message(Outgoing(**{**GOOD, "to_address": address}))


def test_names_with_quotes_commas_and_accents_survive_a_round_trip():
    raw = build_message(Outgoing(**{**GOOD, "to_name": 'Zoë "Zed", Jr.', "subject": "Ça va, Zoë ?"})).as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["To"].addresses[0].display_name == 'Zoë "Zed", Jr.'
    assert parsed["To"].addresses[0].addr_spec == "bo@example.org"
    assert str(parsed["Subject"]) == "Ça va, Zoë ?"
    assert raw.isascii()


def test_follow_up_headers_reference_the_whole_thread():
    message = build_message(Outgoing(**{**GOOD, "references": ("<1@b.example>", "<2@b.example>")}))
    assert message["In-Reply-To"] == "<2@b.example>"
    assert message["References"] == "<1@b.example> <2@b.example>"
