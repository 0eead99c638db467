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


@pytest.mark.parametrize("name", ["B" * 5000, "Zoë " * 1500, "Bo " + "F" * 5000])
def test_every_header_line_stays_within_998_characters_whatever_the_names(name):
    from outreach.mail.message import message_bytes

    references = tuple(f"<{n}.{'x' * 40}@brand.example>" for n in range(40))
    raw = message_bytes(build_message(Outgoing(**{**GOOD, "to_name": name, "from_name": name,
                                                  "references": references})))
    head = raw.split(b"\r\n\r\n")[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 998
    to = message_from_bytes(raw, policy=policy.default)["To"].addresses[0]
    assert to.addr_spec == "bo@example.org" and len(to.display_name) <= 200


def test_the_date_is_restamped_at_send_time_and_nothing_else_changes():
    from outreach.mail.message import message_bytes, stamp_date

    raw = message_bytes(build_message(Outgoing(**GOOD))).decode()
    sent_at = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
    stamped = stamp_date(raw, sent_at)
    parsed = message_from_bytes(stamped.encode(), policy=policy.default)
    assert parsed["Date"].datetime == sent_at
    assert stamped.replace(str(parsed["Date"]), "") == raw.replace(str(build_message(Outgoing(**GOOD))["Date"]), "")
