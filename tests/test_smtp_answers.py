"""What the sender does with the server's answers over time: retries inside the send window, the Date of
the attempt that went out, passwords never sent in clear by accident."""

import pytest

from greenroom.errors import ConfigError
from outreach.campaigns.settings import smtp_settings
from outreach.storage.influencers import parse_timestamp
from tests.fixtures.mail import T0

OFFICE_HOURS = '{days: [mon, tue, wed, thu, fri], hours: "09:00-17:00", timezone: UTC}'


def test_a_temporary_failure_near_closing_time_is_retried_when_the_window_opens_again(world, smtp_server):
    world.configure(smtp_server.config())
    world.now = T0.replace(hour=16, minute=59, second=30)
    world.add_person("Bo Fit", "bo@example.org")
    smtp_server.handler.temporary.add("bo@example.org")
    world.start(window=OFFICE_HOURS)
    assert world.tick().retrying == 1
    retry_at = parse_timestamp(world.outbox()[0]["next_attempt_at"])
    assert retry_at == T0.replace(day=3, hour=9, minute=0)  # Tuesday 09:00, not Monday 17:00:30


def refused_once_then_retried(world, smtp_server, **later):
    """Bo's first attempt gets a 4xx; the retry goes out ``later``. Returns the queued row and what arrived."""
    world.configure(smtp_server.config())
    world.add_person("Bo Fit", "bo@example.org")
    smtp_server.handler.temporary.add("bo@example.org")
    world.start()
    world.tick()
    queued = world.outbox()[0]
    smtp_server.handler.temporary.clear()
    world.advance(**later)
    assert world.tick().sent == 1
    return queued, smtp_server.handler.to("bo@example.org")[0].message


def test_an_email_that_goes_out_over_a_minute_after_it_was_queued_is_dated_when_it_goes_out(world, smtp_server):
    _, received = refused_once_then_retried(world, smtp_server, seconds=61)
    assert received["Date"].datetime == world.now


def test_a_retried_email_is_dated_when_it_goes_out_and_keeps_its_message_id(world, smtp_server):
    queued, received = refused_once_then_retried(world, smtp_server, hours=3)
    assert received["Date"].datetime == world.now
    assert received["Message-ID"] == queued["message_id"]
    assert f"Date: {received['Date']}" in world.outbox()[0]["raw"]


@pytest.fixture
def smtp_password(monkeypatch):
    monkeypatch.setenv("GREENROOM_SMTP_PASSWORD", "s3cret")


def _smtp_section(host: str, extra: str = "") -> str:
    return f'\n[smtp]\nhost = "{host}"\nport = 25\nsecurity = "none"\nusername = "ana@brand.example"\n{extra}'


def test_a_password_is_not_sent_in_clear_to_a_remote_server(world, smtp_password):
    world.configure(_smtp_section("smtp.brand.example"))
    with pytest.raises(ConfigError, match=r'security = "none" would send the password .* allow_plaintext_auth = true'):
        smtp_settings(world.workspace)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_a_password_may_go_in_clear_to_a_loopback_server(world, smtp_password, host):
    world.configure(_smtp_section(host))
    assert smtp_settings(world.workspace).host == host


def test_a_password_goes_in_clear_to_a_remote_server_only_when_explicitly_allowed(world, smtp_password):
    world.configure(_smtp_section("smtp.brand.example", "allow_plaintext_auth = true\n"))
    settings = smtp_settings(world.workspace)
    assert settings.allow_plaintext_auth and settings.password == "s3cret"


def test_an_uncertain_message_retried_by_hand_at_night_waits_for_the_window(world, smtp_server):
    from outreach.campaigns.sending import resolve

    world.configure(smtp_server.config())
    world.add_person("Bo Fit", "bo@example.org")
    world.start(window=OFFICE_HOURS)
    world.tick()
    world.db.execute("UPDATE outbox SET state = 'uncertain'")
    row = resolve(world.db, 1, sent=False, now=T0.replace(hour=22))
    assert parse_timestamp(row["next_attempt_at"]) == T0.replace(day=3, hour=9)
