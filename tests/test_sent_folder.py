"""Each delivered email is filed in the sender's IMAP Sent folder (the one flagged \\Sent), so the user's
own mail client shows it above the reply; a failed copy is retried, the email is never sent again."""

from email import message_from_bytes, policy

import pytest

from outreach.mail.sent_folder import special_use_folder
from tests.helpers import free_port


def sent_copy_of(world) -> list[tuple[str | None, str | None]]:
    return [(row["sent_copy"], row["sent_copy_error"]) for row in world.outbox()]


def test_a_delivered_email_is_filed_in_the_sent_folder_exactly_as_sent(mail_world):
    world, smtp, imap = mail_world
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    report = world.tick()
    assert (report.sent, report.copied_to_sent, report.sent_copy_problems) == (1, 1, [])
    [filed] = imap.sent_messages()
    delivered = smtp.handler.messages[0].message
    copy = message_from_bytes(filed, policy=policy.default)
    assert copy["Message-ID"] == delivered["Message-ID"] == world.outbox()[0]["message_id"]
    assert copy["Date"] == delivered["Date"]
    assert filed.replace(b"\r\n", b"\n") == world.outbox()[0]["raw"].encode().replace(b"\r\n", b"\n")
    assert sent_copy_of(world) == [("copied", None)]


def test_the_copy_is_marked_read(mail_world):
    world, smtp, imap = mail_world
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    folder = imap.maildir / f".{imap.SENT_FOLDER}" / "cur"
    [name] = [path.name for path in folder.iterdir()]
    assert name.split(":2,")[1].count("S") == 1


def test_a_follow_up_is_filed_too_so_the_thread_is_whole(mail_world):
    world, smtp, imap = mail_world
    world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    world.advance(days=1)
    assert world.tick().copied_to_sent == 1
    first, follow_up = (message_from_bytes(raw, policy=policy.default) for raw in imap.sent_messages())
    assert follow_up["In-Reply-To"] == first["Message-ID"]


def test_an_unreachable_imap_server_delays_the_copy_and_never_resends_the_email(mail_world, imap_server):
    world, smtp, imap = mail_world
    world.configure(smtp.config() + imap.config().replace(f"port = {imap.port}", f"port = {free_port()}"))
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    report = world.tick()
    assert report.sent == 1 and report.copied_to_sent == 0
    assert "not yet copied to the Sent folder" in report.sent_copy_problems[0]
    assert sent_copy_of(world) == [("pending", None)]
    assert imap.sent_messages() == []

    world.configure(smtp.config() + imap.config())
    world.advance(minutes=5)
    report = world.tick()
    assert (report.sent, report.copied_to_sent) == (0, 1)
    assert len(imap.sent_messages()) == 1
    assert len(smtp.handler.messages) == 1
    assert sent_copy_of(world) == [("copied", None)]


def test_the_folder_flagged_sent_wins_over_a_configured_name(mail_world):
    world, smtp, imap = mail_world
    world.configure(smtp.config() + imap.config() + 'sent_folder = "Outbox copies"\n')
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    assert world.tick().copied_to_sent == 1
    assert len(imap.sent_messages()) == 1
    assert not (imap.maildir / ".Outbox copies").exists()


def test_save_sent_false_files_nothing(mail_world):
    world, smtp, imap = mail_world
    world.configure(smtp.config() + imap.config() + "save_sent = false\n")
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    report = world.tick()
    assert (report.sent, report.copied_to_sent) == (1, 0)
    assert imap.sent_messages() == []
    assert sent_copy_of(world) == [(None, None)]


def test_without_smtp_nothing_is_filed(world, imap_server, monkeypatch):
    monkeypatch.setenv("GREENROOM_IMAP_PASSWORD", imap_server.password)
    world.configure(imap_server.config())
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    assert world.tick().copied_to_sent == 0
    assert imap_server.sent_messages() == []


@pytest.mark.parametrize("host", ["imap.gmail.com", "outlook.office365.com"])
def test_providers_that_file_smtp_mail_themselves_get_no_second_copy_by_default(world, host, monkeypatch):
    from outreach.campaigns.settings import imap_settings

    monkeypatch.setenv("GREENROOM_IMAP_PASSWORD", "x")
    world.configure(f'[imap]\nhost = "{host}"\nusername = "ana@brand.example"\n')
    assert imap_settings(world.workspace).save_sent is False
    world.configure(f'[imap]\nhost = "{host}"\nusername = "ana@brand.example"\nsave_sent = true\n')
    assert imap_settings(world.workspace).save_sent is True


@pytest.mark.parametrize(("lines", "found"), [
    ([b'(\\HasNoChildren) "." INBOX', b'(\\HasNoChildren \\Sent) "." Sent'], "Sent"),
    ([b'(\\HasNoChildren \\Sent) "/" "Sent Messages"'], "Sent Messages"),
    ([b'(\\HasNoChildren \\SENT) NIL "Gesendete Objekte"'], "Gesendete Objekte"),
    ([(b'(\\Sent) "/" {10}', b"Sent Items"), b")"], "Sent Items"),
    ([b'(\\HasNoChildren \\Sent) "/" "[Gmail]/Sent Mail"'], "[Gmail]/Sent Mail"),
    ([b'(\\HasNoChildren \\Sent) "/" "Say \\"hi\\""'], 'Say "hi"'),
    ([b'(\\HasNoChildren \\Drafts) "/" Drafts', b'(\\HasNoChildren \\Sentinel) "/" X', None], None),
])
def test_the_sent_folder_is_the_one_flagged_sent(lines, found):
    assert special_use_folder(lines) == found


def test_send_once_says_how_many_were_filed(mail_world, outreach_cli):
    world, smtp, imap = mail_world
    world.add_person("Bo Fit", "bo@example.org")
    world.now = world.now.replace(year=2020)
    world.start()
    result = outreach_cli("send", "--once")
    assert "sent 1" in result.output and "1 copied to the Sent folder" in result.output
    assert len(imap.sent_messages()) == 1


def test_send_once_warns_when_the_copy_must_wait(mail_world, outreach_cli):
    world, smtp, imap = mail_world
    world.configure(smtp.config() + imap.config().replace(f"port = {imap.port}", f"port = {free_port()}"))
    world.add_person("Bo Fit", "bo@example.org")
    world.now = world.now.replace(year=2020)
    world.start()
    result = outreach_cli("send", "--once")
    assert "sent 1" in result.output
    assert "warning: 1 sent email(s) not yet copied to the Sent folder: cannot reach IMAP server" in result.output
