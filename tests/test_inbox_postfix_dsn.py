"""End to end with a real Postfix: the DSN Postfix itself writes for an unknown user, read through the real
Dovecot, bounces exactly that person (and nobody is bounced by a DSN about an email we never sent)."""

import pytest

from tests.fixtures.postfix import postfix, postfix_session  # noqa: F401 - until conftest registers the plugin
from tests.helpers import eventually_blocking


def dsn_from_postfix(smtp, sender):
    """The delivery status notification Postfix relayed back to our sending mailbox."""
    found = []

    def arrived():
        found[:] = [m for m in smtp.handler.to(sender) if m.message.get_content_type() == "multipart/report"]
        return bool(found)

    eventually_blocking(arrived, 30, describe=lambda: f"{len(smtp.handler.messages)} messages at the sink")
    return found[0]


@pytest.mark.subprocess  # postfix reload between tests
def test_a_real_postfix_dsn_for_an_unknown_user_bounces_that_person(mail_world, postfix):  # noqa: F811
    world, smtp, imap = mail_world
    world.configure(postfix.smtp_config() + imap.config())
    bo = world.add_person("Bo Fit", "bo@example.org")
    di = world.add_person("Di Dance", "di@example.org")
    smtp.handler.permanent.add("bo@example.org")
    world.start()
    world.tick()
    dsn = dsn_from_postfix(smtp, "ana@brand.example")
    assert "postfix.test" in dsn.message["From"].lower() or "mailer-daemon" in dsn.message["From"].lower()
    imap.deliver(dsn.data)
    summary = world.inbox.poll()
    assert summary.kinds["bounce"] == 1
    assert world.enrollment(bo)["status"] == "bounced"
    assert world.enrollment(di)["status"] == "active"
    assert {r[0] for r in world.db.execute("SELECT email FROM suppressions")} == {"bo@example.org"}
    bounced = [r["outcome"] for r in world.outbox() if r["to_address"] == "bo@example.org"]
    assert bounced == ["bounced"]
