"""Sending through a real SMTP server (aiosmtpd): headers, threading, bounces, retries, suppression."""

import pytest

from greenroom.errors import ConfigError
from outreach.campaigns.store import suppress


@pytest.fixture
def sending(world, smtp_server):
    world.configure(smtp_server.config())
    return world, smtp_server


def test_each_enrolled_person_receives_the_first_email_over_one_connection(sending):
    world, smtp = sending
    world.add_person("Bo Fit", "bo@example.org", youtube="bofit")
    world.add_person("Cy Cook", "cy@example.org", twitch="cycooks")
    world.start()
    report = world.tick()
    assert report.sent == 2
    assert sorted(m.recipients[0] for m in smtp.handler.messages) == ["bo@example.org", "cy@example.org"]
    assert smtp.handler.connections == 1


def test_message_id_is_stored_before_sending_and_matches_what_arrives(sending):
    world, smtp = sending
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    stored = world.outbox()[0]
    received = smtp.handler.messages[0].message
    assert received["Message-ID"] == stored["message_id"]
    assert received["Subject"] == "Bo, a live interview for your audience?"
    assert received["From"] == "Ana Example <ana@brand.example>"
    assert received["Date"]


def test_email_carries_unsubscribe_headers_and_postal_footer(world, smtp_server):
    world.configure(smtp_server.config(), unsubscribe_url="https://brand.example/unsub")
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    message = smtp_server.handler.messages[0].message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<https://brand.example/unsub?t=" in message["List-Unsubscribe"]
    assert "<mailto:ana@brand.example?subject=unsubscribe>" in message["List-Unsubscribe"]
    text = message.get_body(("plain",)).get_content()
    assert "Example Brand, 1 Main St, Springfield" in text


def test_the_one_click_link_is_signed_for_exactly_that_message(world, smtp_server):
    from urllib.parse import parse_qs, urlsplit

    from outreach.campaigns.unsubscribe import unsubscribe_key
    from outreach.core.unsubscribe_token import verify

    world.configure(smtp_server.config(), unsubscribe_url="https://brand.example/unsub")
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    message = smtp_server.handler.messages[0].message
    link = message["List-Unsubscribe"].split(",")[0].strip().strip("<>")
    token = parse_qs(urlsplit(link).query)["t"][0]
    assert verify(unsubscribe_key(world.workspace), token) == message["Message-ID"]
    assert message["Message-ID"].strip("<>") not in link  # the raw Message-ID alone no longer unsubscribes
    assert link in message.get_body(("plain",)).get_content()


def test_follow_up_is_threaded_to_the_first_email_after_business_days(sending):
    world, smtp = sending
    world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=2)
    world.tick()
    world.advance(days=1)
    assert world.tick().sent == 0
    world.advance(days=1)
    assert world.tick().sent == 1
    first, follow_up = (m.message for m in smtp.handler.messages)
    assert follow_up["In-Reply-To"] == first["Message-ID"]
    assert follow_up["References"] == first["Message-ID"]
    assert follow_up["Subject"] == f"Re: {first['Subject']}"
    assert world.enrollment(1)["status"] == "completed"


def test_permanent_rejection_bounces_suppresses_and_is_never_retried(sending):
    world, smtp = sending
    world.add_person("Bo Fit", "bo@example.org")
    smtp.handler.permanent.add("bo@example.org")
    world.start()
    assert world.tick().bounced == 1
    assert world.outbox()[0]["state"] == "bounced"
    assert world.enrollment(1)["status"] == "bounced"
    assert world.db.execute("SELECT reason FROM suppressions WHERE email = 'bo@example.org'").fetchone() == ("bounce",)
    smtp.handler.permanent.clear()
    world.advance(days=10)
    world.tick()
    assert smtp.handler.messages == []


def test_temporary_rejection_is_retried_after_backoff(sending):
    world, smtp = sending
    world.add_person("Bo Fit", "bo@example.org")
    smtp.handler.temporary.add("bo@example.org")
    world.start()
    assert world.tick().retrying == 1
    smtp.handler.temporary.clear()
    world.advance(seconds=30)
    assert world.tick().sent == 0
    world.advance(seconds=31)
    assert world.tick().sent == 1
    assert len(smtp.handler.to("bo@example.org")) == 1


def test_address_suppressed_after_queueing_never_receives_anything(sending):
    world, smtp = sending
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.db["suppressions"].insert({"email": "bo@example.org", "reason": "opt-out", "created_at": "2026-01-01"})
    world.tick()
    assert smtp.handler.messages == []


def test_suppressed_address_is_not_enrolled_and_says_why(sending):
    world, smtp = sending
    world.add_person("Bo Fit", "bo@example.org")
    suppress(world.db, "BO@example.org", "opt-out", "test", world.now)
    result = world.start()
    assert result.enrolled == []
    assert result.left_out == [(1, "Bo Fit", "suppressed (opt-out)")]


def test_header_injection_through_a_name_is_rejected_and_nothing_is_sent(sending):
    world, smtp = sending
    world.add_person("Bo\r\nBcc: victim@example.org", "bo@example.org")
    world.start()
    report = world.tick()
    assert smtp.handler.messages == []
    assert "would contain a line break" in report.errors[0]
    assert world.enrollment(1)["status"] == "failed"


def test_send_window_and_daily_cap_hold_under_an_injected_clock(sending):
    world, smtp = sending
    for index in range(5):
        world.add_person(f"Person {index}", f"p{index}@example.org")
    world.now = world.now.replace(hour=7)  # 07:00 UTC, before the 09:00 opening
    world.start(window='{days: [mon, tue, wed, thu, fri], hours: "09:00-17:00", timezone: UTC}', cap=2)
    assert world.tick().sent == 0
    world.advance(hours=2)
    assert world.tick().sent == 2
    world.advance(hours=1)
    assert world.tick().sent == 0  # cap reached for today
    world.advance(days=1)
    assert world.tick().sent == 2
    assert len(smtp.handler.messages) == 4


def test_missing_postal_address_is_a_config_error_naming_key_and_file(world, smtp_server):
    world.configure(smtp_server.config(), physical_address=None)
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    with pytest.raises(ConfigError, match=r"greenroom\.toml: missing setting \[outreach\] physical_address"):
        world.tick()


def test_without_smtp_emails_are_written_as_eml_files(world):
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    assert world.tick().sent == 1
    files = list((world.workspace.root / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert f"Message-ID: {world.outbox()[0]['message_id']}" in files[0].read_text()
