"""Several sending mailboxes per campaign (inbox rotation): each person gets a mailbox with their first
email and keeps it; each mailbox has its own SMTP server, daily cap, pause and Sent folder; replies are read
from every mailbox. Real servers: two aiosmtpd, Postfix with per-sender rules, Dovecot with two accounts."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tests.fixtures.mail import SECOND_IMAP_ACCOUNT, ImapServer, RecordingHandler, campaign_yaml, incoming
from tests.helpers import free_port

KIM, SAM = "kim@brand.example", "sam@brand.example"


def rotating_campaign(**overrides: object) -> str:
    """The usual two-step campaign, sent from the mailboxes ``kim`` and ``sam`` instead of one sender."""
    text = campaign_yaml(**overrides)
    return text.replace("sender: {name: Ana Example, address: ana@brand.example}\n", "mailboxes: [kim, sam]\n")


def mailbox(key: str, address: str, *, cap: int | None = None, smtp: tuple[str, int] | None = None,
            imap: ImapServer | None = None, imap_user: str | None = None, extra: str = "") -> str:
    """A ``[mailboxes.KEY]`` table (plus ``extra`` lines) with its own ``smtp`` (host, port) and ``imap``."""
    text = f'\n[mailboxes.{key}]\naddress = "{address}"\nname = "{key.title()} Example"\n{extra}'
    if cap is not None:
        text += f"daily_cap = {cap}\n"
    if smtp is not None:
        text += f'\n[mailboxes.{key}.smtp]\nhost = "{smtp[0]}"\nport = {smtp[1]}\nsecurity = "none"\n'
    if imap is not None:
        text += (f'\n[mailboxes.{key}.imap]\nhost = "{imap.host}"\nport = {imap.port}\nsecurity = "none"\n'
                 f'username = "{imap_user or imap.username}"\n')
    return text


@pytest.fixture
def sam_smtp(smtp_session):
    """A second aiosmtpd (sam's own server), next to the session's (kim's)."""
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def two_servers(world, smtp_server, sam_smtp):
    """kim sends through the session's aiosmtpd, sam through its own."""
    controller, sam_handler = sam_smtp

    def configure(kim_cap: int | None = None, sam_cap: int | None = None, kim_extra: str = "") -> None:
        world.configure(mailbox("kim", KIM, cap=kim_cap, smtp=(smtp_server.host, smtp_server.port), extra=kim_extra)
                        + mailbox("sam", SAM, cap=sam_cap, smtp=(controller.hostname, controller.port)))

    configure()
    return world, smtp_server.handler, sam_handler, configure


def senders_of(world) -> dict[int, str]:
    return {row["enrollment_id"]: row["sender_address"] for row in world.outbox() if row["step"] == 0}


def add_people(world, count: int) -> list[int]:
    return [world.add_person(f"Person {n}", f"p{n}@example.org") for n in range(count)]


# ----------------------------------------------------------------------------------------- rotation


def test_first_emails_spread_across_two_mailboxes_by_room_left_each_through_its_own_server(two_servers):
    world, kim_server, sam_server, configure = two_servers
    configure(kim_cap=4, sam_cap=2)
    add_people(world, 6)
    world.start(rotating_campaign())
    report = world.tick()
    assert report.sent == 6
    assert sorted(senders_of(world).values()) == [KIM] * 4 + [SAM] * 2
    assert {m.sender for m in kim_server.messages} == {KIM} and len(kim_server.messages) == 4
    assert {m.sender for m in sam_server.messages} == {SAM} and len(sam_server.messages) == 2
    assert {m.message["From"].addresses[0].addr_spec for m in sam_server.messages} == {SAM}
    assert {str(m.message["From"].addresses[0].display_name) for m in sam_server.messages} == {"Sam Example"}
    enrollments = {row["id"]: row["mailbox"] for row in world.db.query("SELECT id, mailbox FROM enrollments")}
    assert enrollments == senders_of(world)


def test_mailboxes_with_equal_room_take_turns(two_servers):
    world, _, _, configure = two_servers
    configure(kim_cap=10, sam_cap=10)
    add_people(world, 4)
    world.start(rotating_campaign())
    world.tick()
    assert [senders_of(world)[eid] for eid in sorted(senders_of(world))] == [KIM, SAM, KIM, SAM]


def test_a_tie_goes_to_the_least_recently_used_mailbox(two_servers):
    world, _, _, configure = two_servers
    configure(kim_cap=10, sam_cap=11)  # sam has one more room, so it sends first...
    add_people(world, 1)
    world.start(rotating_campaign())
    world.tick()
    assert list(senders_of(world).values()) == [SAM]
    world.add_person("Late Comer", "late@example.org")
    world.start(rotating_campaign(name="later"))
    world.tick()  # ...then both have 10 left: kim was never used, so kim
    assert sorted(senders_of(world).values()) == [KIM, SAM]


def test_follow_ups_stay_on_the_mailbox_of_the_first_email_and_thread(two_servers):
    world, kim_server, sam_server, configure = two_servers
    configure(kim_cap=10, sam_cap=10)
    add_people(world, 4)
    world.start(rotating_campaign(follow_up_days=1))
    world.tick()
    first = senders_of(world)
    configure(kim_cap=10, sam_cap=100)  # rotation would now pick sam for everyone
    world.advance(days=1)
    assert world.tick().sent == 4
    follow_ups = {row["enrollment_id"]: row for row in world.outbox() if row["step"] == 1}
    assert {eid: row["sender_address"] for eid, row in follow_ups.items()} == first
    for server, address in ((kim_server, KIM), (sam_server, SAM)):
        by_subject: dict[str, list] = {}
        for received in server.messages:
            assert received.sender == address
            by_subject.setdefault(received.recipients[0], []).append(received.message)
        for opening, follow_up in by_subject.values():
            assert follow_up["In-Reply-To"] == opening["Message-ID"]


# ---------------------------------------------------------------------------------------- daily caps


def test_each_mailbox_stops_at_its_own_daily_cap_and_goes_on_the_next_day(two_servers):
    world, _, _, configure = two_servers
    configure(kim_cap=1, sam_cap=2)
    add_people(world, 5)
    world.start(rotating_campaign())
    report = world.tick()
    assert report.sent == 3 and report.plan.over_daily_cap == 2
    assert sorted(senders_of(world).values()) == [KIM, SAM, SAM]
    world.advance(hours=1)
    assert world.tick().sent == 0
    world.advance(days=1)
    assert world.tick().sent == 2


def test_a_mailbox_keeps_its_own_gap_and_rotation_gives_first_emails_to_one_that_may_send(two_servers):
    world, kim_server, sam_server, configure = two_servers
    configure(kim_cap=10, sam_cap=10, kim_extra="min_gap_minutes = 30\n")
    add_people(world, 4)
    world.start(rotating_campaign())
    assert world.tick().sent == 3  # kim one (then its gap), sam two
    world.advance(minutes=1)
    assert world.tick().sent == 1  # kim waits for its gap: the last first email goes to sam
    assert (len(kim_server.messages), len(sam_server.messages)) == (1, 3)


def test_the_campaign_cap_limits_each_mailbox_further(two_servers):
    world, _, _, configure = two_servers
    configure(kim_cap=5, sam_cap=5)
    add_people(world, 5)
    world.start(rotating_campaign(cap=1))
    assert world.tick().sent == 2
    assert sorted(senders_of(world).values()) == [KIM, SAM]


def test_outbox_list_and_campaign_status_show_each_mailbox_today_its_cap_and_pause(two_servers, outreach_cli):
    world, _, _, configure = two_servers
    configure(kim_cap=1, sam_cap=3)
    world.now = datetime.now(UTC)  # the commands count "today" on the real clock
    add_people(world, 3)
    world.start(rotating_campaign())
    world.tick()
    from outreach.storage.outbox import pause_mailbox

    pause_mailbox(world.db, SAM, "550 5.7.1 policy", world.now, None)
    for command in (("outbox", "list"), ("campaign", "status")):
        output = outreach_cli(*command).output
        assert f"mailbox {KIM} (kim): 1/1 today" in output
        assert f"mailbox {SAM} (sam): 2/3 today, paused until resumed" in output


# --------------------------------------------------------------------------------- pauses (Postfix)


@pytest.fixture
def through_postfix(world, postfix, smtp_server):
    """kim and sam both send through the real Postfix (each its own connection), relaying to aiosmtpd."""
    world.configure(mailbox("kim", KIM, smtp=(postfix.host, postfix.port))
                    + mailbox("sam", SAM, smtp=(postfix.host, postfix.port)))
    return world, postfix, smtp_server


def test_a_quota_pause_of_one_mailbox_does_not_stop_the_other_in_the_same_tick(through_postfix):
    world, postfix, sink = through_postfix
    postfix.rules(sender_access=f"{KIM} 550 5.4.5 daily quota exceeded")
    add_people(world, 4)
    world.start(rotating_campaign())
    report = world.tick()
    assert list(report.paused) == [KIM] and "5.4.5" in report.paused[KIM]
    assert report.sent == 2
    states = {row["sender_address"]: set() for row in world.outbox()}
    for row in world.outbox():
        states[row["sender_address"]].add(row["state"])
    assert states == {KIM: {"queued"}, SAM: {"sent"}}
    assert world.db.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 0


def test_first_emails_of_a_paused_mailbox_move_to_another_mailbox_of_the_campaign(through_postfix):
    world, postfix, sink = through_postfix
    postfix.rules(sender_access=f"{KIM} 550 5.4.5 daily quota exceeded")
    add_people(world, 4)
    world.start(rotating_campaign())
    world.tick()
    world.advance(minutes=1)
    report = world.tick()
    assert report.moved == 2 and report.sent == 2
    assert [row["state"] for row in world.outbox()] == ["sent"] * 4
    assert set(senders_of(world).values()) == {SAM}
    assert {row["mailbox"] for row in world.db.query("SELECT mailbox FROM enrollments")} == {SAM}


def test_follow_ups_never_move_off_their_paused_mailbox(through_postfix):
    world, postfix, sink = through_postfix
    add_people(world, 2)
    world.start(rotating_campaign(follow_up_days=1))
    assert world.tick().sent == 2
    postfix.rules(sender_access=f"{KIM} 550 5.7.1 sender blocked by policy")
    world.advance(days=1)
    world.close()
    world.session = None  # a new SMTP session reads the new rule
    report = world.tick()
    assert list(report.paused) == [KIM] and report.sent == 1
    kim_follow_up = [row for row in world.outbox() if row["step"] == 1 and row["sender_address"] == KIM]
    assert [row["state"] for row in kim_follow_up] == ["queued"]
    world.advance(hours=2)
    report = world.tick()
    assert report.moved == 0 and report.sent == 0
    assert [row["sender_address"] for row in world.outbox() if row["step"] == 1 and row["state"] == "queued"] == [KIM]


def test_a_mailbox_whose_server_cannot_be_reached_stops_only_its_own_queue(two_servers, smtp_server, sam_smtp):
    world, kim_server, sam_server, _ = two_servers
    world.configure(mailbox("kim", KIM, smtp=("127.0.0.1", free_port()))
                    + mailbox("sam", SAM, smtp=(sam_smtp[0].hostname, sam_smtp[0].port)))
    add_people(world, 4)
    world.start(rotating_campaign())
    report = world.tick()
    assert list(report.unreachable) == [KIM] and report.sent == 2
    assert len(sam_server.messages) == 2 and kim_server.messages == []
    assert {row["state"] for row in world.outbox() if row["sender_address"] == KIM} == {"queued"}


# ------------------------------------------------------------------------- Sent folders and replies


@pytest.fixture
def sam_account(imap_server):
    """The session Dovecot's second account (sam's, in its passwd file from the start), with an empty Maildir."""
    sam, password = SECOND_IMAP_ACCOUNT
    assert sam == SAM
    root = imap_server.maildir.parents[2]
    home = root / "home" / SAM
    account = ImapServer(imap_server.host, imap_server.port, SAM, password, home / "Maildir")
    for sub in ("new", "cur", "tmp"):
        (account.maildir / sub).mkdir(parents=True, exist_ok=True)
    for path in [home, account.maildir, *(account.maildir / s for s in ("new", "cur", "tmp"))]:
        os.chown(path, 65534, 65534)
    account.clear()
    yield account
    account.clear()


@pytest.fixture
def two_accounts(world, smtp_server, sam_smtp, imap_server, sam_account, monkeypatch):
    monkeypatch.setenv("GREENROOM_MAILBOX_KIM_IMAP_PASSWORD", imap_server.password)
    monkeypatch.setenv("GREENROOM_MAILBOX_SAM_IMAP_PASSWORD", sam_account.password)
    world.configure(
        mailbox("kim", KIM, cap=10, smtp=(smtp_server.host, smtp_server.port), imap=imap_server)
        + mailbox("sam", SAM, cap=10, smtp=(sam_smtp[0].hostname, sam_smtp[0].port), imap=sam_account))
    return world, imap_server, sam_account


def message_ids(raws: list[bytes]) -> set[str]:
    return {message_from_bytes(raw, policy=policy.default)["Message-ID"] for raw in raws}


def test_each_mailbox_files_its_sent_copy_in_its_own_dovecot_account(two_accounts):
    world, kim_account, sam_account = two_accounts
    add_people(world, 4)
    world.start(rotating_campaign())
    report = world.tick()
    assert (report.sent, report.copied_to_sent, report.sent_copy_problems) == (4, 4, [])
    sent_by = {sender: {r["message_id"] for r in world.outbox() if r["sender_address"] == sender}
               for sender in (KIM, SAM)}
    assert message_ids(kim_account.sent_messages()) == sent_by[KIM]
    assert message_ids(sam_account.sent_messages()) == sent_by[SAM]
    assert len(sent_by[KIM]) == len(sent_by[SAM]) == 2


def test_a_reply_in_the_second_mailbox_stops_that_persons_follow_up(two_accounts):
    from outreach.campaigns.replies import InboxSession

    world, kim_account, sam_account = two_accounts
    add_people(world, 2)
    world.start(rotating_campaign(follow_up_days=1))
    world.tick()
    [sam_row] = [row for row in world.outbox() if row["sender_address"] == SAM]
    sam_account.deliver(incoming(sam_row["to_address"], "Re: hello", in_reply_to=sam_row["message_id"]))
    inbox = InboxSession(world.workspace, clock=lambda: world.now)
    try:
        summary = inbox.poll()
    finally:
        inbox.close()
    assert summary.kinds["reply"] == 1 and summary.unread == {}
    assert world.enrollment(sam_row["influencer_id"])["status"] == "replied"
    world.advance(days=1)
    assert world.tick().sent == 1


def test_an_unreadable_mailbox_does_not_stop_reading_the_others(two_accounts, monkeypatch):
    from outreach.campaigns.replies import InboxSession

    world, kim_account, sam_account = two_accounts
    monkeypatch.setenv("GREENROOM_MAILBOX_KIM_IMAP_PASSWORD", "wrong password")
    add_people(world, 2)
    world.start(rotating_campaign())
    world.tick()
    [sam_row] = [row for row in world.outbox() if row["sender_address"] == SAM]
    sam_account.deliver(incoming(sam_row["to_address"], "Re: hello", in_reply_to=sam_row["message_id"]))
    inbox = InboxSession(world.workspace, clock=lambda: world.now)
    try:
        summary = inbox.poll()
    finally:
        inbox.close()
    assert summary.kinds["reply"] == 1
    assert list(summary.unread) == [f"{KIM_IMAP_USER}@{kim_account.host}:{kim_account.port}/INBOX"]
    assert "not read" in summary.describe()


KIM_IMAP_USER = "ana@brand.example"  # kim reads the fixture's first Dovecot account

