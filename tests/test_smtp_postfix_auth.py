"""Sending through a real Postfix that behaves like a mailbox provider on port 587: STARTTLS required, then
SMTP AUTH checked by Dovecot, and only a logged-in client may relay (tests/fixtures/postfix.py)."""

from tests.helpers import eventually_blocking

SENDER = "ana@brand.example"


def test_a_campaign_goes_out_through_postfix_over_starttls_after_logging_in(world, postfix_auth, smtp_server):
    world.configure(postfix_auth.smtp_config())
    world.add_person("Bo Fit", "bo@example.org")
    world.add_person("Cy Cook", "cy@example.org")
    world.start()
    report = world.tick()
    assert report.sent == 2, report
    assert [row["state"] for row in world.outbox()] == ["sent", "sent"]
    for row in world.outbox():
        relayed = eventually_blocking(lambda row=row: smtp_server.handler.to(row["to_address"]),
                                      describe=postfix_auth.log)
        assert relayed[0].message["Message-ID"] == row["message_id"]
        received = relayed[0].message["Received"]  # Postfix's own, saying how it got the message
        assert "(using TLS" in received and f"(Authenticated sender: {SENDER})" in received


def test_a_wrong_password_stops_the_tick_with_one_clear_line_and_keeps_the_queue(world, postfix_auth, monkeypatch):
    monkeypatch.setenv("GREENROOM_SMTP_PASSWORD", "not-the-password")
    world.configure(postfix_auth.smtp_config())
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    report = world.tick()
    assert report.sent == 0
    assert report.transport_error == (f"SMTP login as {SENDER} at {postfix_auth.host}:{postfix_auth.port} "
                                      "refused: 535")
    assert world.outbox()[0]["state"] == "queued"
    assert world.enrollment(1)["status"] == "active"


def test_outreach_send_with_a_wrong_password_exits_3_naming_the_login_and_not_the_password(world, postfix_auth,
                                                                                          outreach_cli):
    world.configure(postfix_auth.smtp_config())
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    result = outreach_cli("send", "--once", env={"GREENROOM_SMTP_PASSWORD": "not-the-password"})
    assert result.exit_code == 3, result.output
    assert f"SMTP login as {SENDER} at {postfix_auth.host}:{postfix_auth.port} refused: 535" in result.output
    assert "not-the-password" not in result.output
    assert "Traceback" not in result.output
    assert world.outbox()[0]["state"] == "queued"
