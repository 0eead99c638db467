"""Guest emails through the outbox: a booked influencer's confirmation, update, cancel, reminders and
thank-you are queued once each by the ordinary tick and delivered like any campaign email (here into
outbox/ as .eml files)."""

import asyncio
import email
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from email import policy

import icalendar
import pytest
import vobject

from greenroom.clock import wall_clock_ms
from greenroom.team import load_team
from livekit.core.rundown import Rundown, Segment
from livekit.core.schedule import ShowPlan
from livekit.guests.journey import set_show_vod
from livekit.report import build_report
from livekit.runner.session import RunOptions, run_show
from livekit.storage.schedule import ScheduleStore
from livekit.storage.shows import ShowStore
from outreach.campaigns.guest_mail import GuestMailSettings, queue_guest_emails
from outreach.campaigns.replies import InboxSummary, process_message
from outreach.campaigns.settings import mailbox_settings, outreach_settings
from outreach.campaigns.store import suppress
from outreach.guest_booking import book_influencer, cancel_influencer_booking
from outreach.mail.template import TemplateLibrary, template_dirs
from tests.fixtures.mail import incoming

HOUR_MS = 3_600_000
#: 2031-04-02 18:00 UTC (20:00 in Paris): upcoming whatever the machine's date.
SHOW_MS = 1_932_919_200_000
SHOW_START = datetime.fromtimestamp(SHOW_MS / 1000, UTC)
TEAM = textwrap.dedent("""
    [team.kim]
    name = "Kim Lee"
    email = "kim@agency.example"
    mailbox = "kim"

    [mailboxes.kim]
    address = "kim@agency.example"
""")


def schedule(db, title="Weekly AMA", starts_at_ms=SHOW_MS, rundown_path=None, join_url=None, location=None):
    store = ScheduleStore(db)
    return store.schedule(title, ShowPlan(starts_at_ms, starts_at_ms + HOUR_MS, "Europe/Paris"),
                          planned_total_ms=HOUR_MS, rundown_path=rundown_path, join_url=join_url,
                          location=location).key


def emails_to(world, address):
    folder = world.workspace.root / "outbox"
    found = [email.message_from_bytes(path.read_bytes(), policy=policy.default)
             for path in sorted(folder.glob("*.eml"))] if folder.exists() else []
    return [message for message in found if address in message["To"]]


def calendar_text(message):
    part = next((p for p in message.walk() if p.get_content_type() == "text/calendar"), None)
    return None if part is None else part.get_content()


def invites(messages):
    return [icalendar.Calendar.from_ical(text) for text in map(calendar_text, messages) if text]


@pytest.fixture
def team_world(world):
    world.configure(TEAM)
    return world


def book(world, key, *, name="Ana Lopez", address="ana@example.com"):
    person = world.add_person(name, address, timezone="Europe/Madrid", owner="kim")
    book_influencer(world.db, person, show=key, topic="Speedruns", talking_points=["Any% route"],
                    team=load_team(world.workspace.config))
    return person


def test_a_booked_guest_gets_one_confirmation_whose_invite_two_parsers_read(team_world):
    world = team_world
    book(world, schedule(world.db))
    world.tick()
    world.advance(minutes=5)
    world.tick()
    [confirmation] = emails_to(world, "ana@example.com")
    [calendar] = invites([confirmation])
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert "Weekly AMA" in str(event["SUMMARY"]) and event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == SHOW_START - timedelta(minutes=15)  # the green-room lead
    second = vobject.readOne(calendar_text(confirmation))
    assert second.vevent.uid.value == str(event["UID"])


def test_the_confirmation_invite_says_where_the_show_is_and_where_to_join(team_world):
    world = team_world
    book(world, schedule(world.db, join_url="https://meet.example.com/ama", location="Studio 2, Paris"))
    world.tick()
    [confirmation] = emails_to(world, "ana@example.com")
    event = invites([confirmation])[0].walk("VEVENT")[0]
    assert (str(event["LOCATION"]), str(event["URL"])) == ("Studio 2, Paris", "https://meet.example.com/ama")
    body = confirmation.get_body(("plain",)).get_content()
    assert "https://meet.example.com/ama" in body and "Studio 2, Paris" in body


def invite_then_update(world, **move):
    """Ana is booked and invited; then the show changes (``ScheduleStore.move(**move)``). Her emails."""
    key = schedule(world.db, join_url="https://meet.example.com/ama")
    book(world, key)
    world.tick()
    ScheduleStore(world.db).move(key, **move)
    world.advance(minutes=5)
    world.tick()
    return emails_to(world, "ana@example.com")


MOVED_TWO_HOURS = ShowPlan(SHOW_MS + 2 * HOUR_MS, SHOW_MS + 3 * HOUR_MS, "Europe/Paris")


def test_a_new_join_link_sends_an_update_carrying_it(team_world):
    first, update = invites(invite_then_update(team_world, join_url="https://meet.example.com/ama-backup"))
    event = update.walk("VEVENT")[0]
    assert event["SEQUENCE"] == first.walk("VEVENT")[0]["SEQUENCE"] + 1
    assert str(event["URL"]) == "https://meet.example.com/ama-backup"


def test_an_update_for_a_new_join_link_says_new_details_not_new_time(team_world):
    _, update = invite_then_update(team_world, join_url="https://meet.example.com/ama-backup")
    assert update["Subject"].startswith("New details for Weekly AMA")


def test_an_update_for_a_moved_show_says_new_time(team_world):
    _, update = invite_then_update(team_world, plan=MOVED_TWO_HOURS)
    assert update["Subject"].startswith("New time for Weekly AMA")


def test_a_team_members_guest_is_written_from_that_members_mailbox(team_world):
    world = team_world
    book(world, schedule(world.db))
    world.tick()
    [confirmation] = emails_to(world, "ana@example.com")
    assert confirmation["From"].addresses[0].addr_spec == "kim@agency.example"
    assert confirmation["From"].addresses[0].display_name == "Kim Lee"


def test_a_moved_show_sends_an_update_with_the_next_sequence_and_the_same_uid(team_world):
    first, update = invites(invite_then_update(team_world, plan=MOVED_TWO_HOURS))
    old, new = first.walk("VEVENT")[0], update.walk("VEVENT")[0]
    assert update["METHOD"] == "REQUEST"
    assert new["UID"] == old["UID"] and new["SEQUENCE"] == old["SEQUENCE"] + 1
    assert new.decoded("DTSTART") == SHOW_START + timedelta(hours=2, minutes=-15)


def test_a_cancelled_show_sends_cancel_and_no_reminder(team_world):
    world = team_world
    key = schedule(world.db)
    book(world, key)
    world.tick()
    ScheduleStore(world.db).cancel(key)
    world.tick()
    world.now = SHOW_START - timedelta(hours=24, minutes=10)  # when the 24 h reminder would be due
    world.tick()
    world.now = SHOW_START - timedelta(hours=1, minutes=10)  # and the 1 h one
    world.tick()
    messages = emails_to(world, "ana@example.com")
    assert [calendar["METHOD"] for calendar in invites(messages)] == ["REQUEST", "CANCEL"]
    assert len(messages) == 2


def test_a_cancelled_booking_sends_cancel_for_its_invite(team_world):
    world = team_world
    person = book(world, schedule(world.db))
    world.tick()
    cancel_influencer_booking(world.db, person)
    world.tick()
    assert [calendar["METHOD"] for calendar in invites(emails_to(world, "ana@example.com"))] == ["REQUEST", "CANCEL"]


def test_a_suppressed_guest_is_never_emailed_and_the_skip_is_recorded_once(team_world):
    world = team_world
    book(world, schedule(world.db))
    suppress(world.db, "ana@example.com", "opt-out", "asked to stop", world.now)
    world.tick()
    world.tick()
    assert emails_to(world, "ana@example.com") == []
    reasons = [row[0] for row in world.db.execute("SELECT reason FROM guest_emails")]
    assert reasons == ["suppressed: opt-out"]


def test_a_guest_suppressed_after_their_email_was_queued_is_never_emailed(team_world):
    world = team_world
    book(world, schedule(world.db))
    with world.db.atomic():
        queue_guest_emails(world.db, TemplateLibrary(template_dirs(world.workspace.root)),
                           outreach_settings(world.workspace), world.now,
                           GuestMailSettings.from_config(world.workspace.config), mailbox_settings(world.workspace))
    suppress(world.db, "ana@example.com", "opt-out", "asked to stop", world.now)
    world.tick()
    assert emails_to(world, "ana@example.com") == []
    assert [row["state"] for row in world.outbox()] == ["cancelled"]


def test_guest_emails_thread_with_the_persons_campaign_conversation(world):
    person = world.add_person("Ana Lopez", "ana@example.com", timezone="Europe/Madrid")
    world.start()
    world.tick()
    [first] = emails_to(world, "ana@example.com")
    book_influencer(world.db, person, show=schedule(world.db), topic="Speedruns")
    world.advance(minutes=5)
    world.tick()
    confirmation = emails_to(world, "ana@example.com")[-1]
    assert confirmation["In-Reply-To"] == first["Message-ID"]
    assert confirmation["From"].addresses[0].addr_spec == first["From"].addresses[0].addr_spec


def test_a_guest_who_cannot_make_it_is_flagged_to_the_booking_owner_not_acted_on(team_world):
    world = team_world
    book(world, schedule(world.db))
    world.tick()
    [confirmation] = emails_to(world, "ana@example.com")
    reply = incoming("Ana Lopez <ana@example.com>", f"Re: {confirmation['Subject']}",
                     "Unfortunately, I can't make it that evening.", in_reply_to=confirmation["Message-ID"])
    with world.db.atomic():
        process_message(world.db, "INBOX", 1, 1, reply, world.now, InboxSummary())
    [flagged] = world.db.execute("SELECT proposed, reason, status FROM inbox_reviews").fetchall()
    assert flagged[0] == "declined" and flagged[2] == "pending"
    assert "cannot make it" in flagged[1] and "for kim, who booked them" in flagged[1]


# --------------------------------------------------------------------------------- kill -9


KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from greenroom.team import load_team
    from greenroom.workspace import Workspace
    from outreach.guest_booking import book_influencer
    from outreach.service import SendSession

    root, key, statement = sys.argv[1:4]
    workspace = Workspace(Path(root))
    db = workspace.database()
    book_influencer(db, 1, show=key, topic="Speedruns", team=load_team(workspace.config))
    session = SendSession(workspace)
    session.start()
    def die(sql):
        if sql.lstrip().startswith(statement):
            os.kill(os.getpid(), signal.SIGKILL)
    session.db.conn.set_trace_callback(die)
    session.tick()
    sys.exit("not killed")
""")


@pytest.mark.subprocess
@pytest.mark.parametrize("statement", ["INSERT INTO guest_emails", "UPDATE outbox SET state = 'sending'"],
                         ids=["while-queueing", "before-delivery"])
def test_kill_9_between_booking_and_confirmation_sends_the_confirmation_exactly_once(team_world, statement):
    world = team_world
    world.add_person("Ana Lopez", "ana@example.com", timezone="Europe/Madrid", owner="kim")
    key = schedule(world.db)
    env = {**os.environ, "GREENROOM_WORKSPACE": str(world.workspace.root)}
    killed = subprocess.run([sys.executable, "-c", KILLER, str(world.workspace.root), key, statement],
                            capture_output=True, text=True, env=env, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert emails_to(world, "ana@example.com") == []
    for _ in range(2):
        again = subprocess.run([sys.executable, "-c", "from outreach.cli import main; main()", "--workspace",
                                str(world.workspace.root), "send", "--once"],
                               capture_output=True, text=True, env=env, timeout=120)
        assert again.returncode == 0, again.stderr
    messages = emails_to(world, "ana@example.com")
    assert [calendar["METHOD"] for calendar in invites(messages)] == ["REQUEST"]
    assert len(messages) == 1


# ------------------------------------------------------------------------------- thank-you


def test_the_thank_you_links_to_the_guests_segment_as_the_report_says_it_aired(team_world, tmp_path):
    world = team_world
    rundown = Rundown(title="Panel", segments=(
        Segment(title="Welcome", duration_ms=2300),
        Segment(title="Ana's interview", duration_ms=300, guest="Ana Lopez"),
    ), source=str(tmp_path / "panel.yaml"))
    key = schedule(world.db, "Panel", wall_clock_ms() + 60_000, rundown_path=str((tmp_path / "panel.yaml").resolve()))
    book(world, key)
    result = asyncio.run(run_show(world.workspace, rundown, RunOptions(auto=True, obs=None, web=None),
                                  echo=lambda line: None))
    set_show_vod(world.db, result.show_id, "https://www.youtube.com/watch?v=abc123")
    store = ShowStore(world.db)
    report = build_report(store.load_show(result.show_id, journal=False), show_id=result.show_id)
    aired_at = next(row for row in report.rows if row.title == "Ana's interview").airings[0][0]
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    world.now = tomorrow.replace(hour=10, minute=0)  # inside the guest's waking hours
    world.tick()
    thank_you = emails_to(world, "ana@example.com")[-1]
    assert f"https://www.youtube.com/watch?v=abc123&t={aired_at // 1000}" in thank_you.get_body(("plain",)).get_content()
    assert aired_at // 1000 >= 2


def test_a_guest_whose_show_ended_without_them_on_air_gets_the_no_show_follow_up(team_world, tmp_path):
    world = team_world
    rundown = Rundown(title="Panel", segments=(Segment(title="Welcome", duration_ms=300),),
                      source=str(tmp_path / "panel.yaml"))
    key = schedule(world.db, "Panel", wall_clock_ms() + 60_000, rundown_path=str((tmp_path / "panel.yaml").resolve()))
    book(world, key)
    world.now = datetime.now(UTC)
    world.tick()
    asyncio.run(run_show(world.workspace, rundown, RunOptions(auto=True, obs=None, web=None), echo=lambda line: None))
    world.now = (datetime.now(UTC) + timedelta(days=1)).replace(hour=10, minute=0)
    world.tick()
    kinds = [row[0] for row in world.db.execute("SELECT kind FROM guest_emails WHERE outbox_id IS NOT NULL")]
    assert kinds == ["confirmation", "no_show"]


# ------------------------------------------------------------------------------- the whole journey


def test_a_guest_booked_days_ahead_gets_confirmation_two_reminders_and_the_thank_you(team_world, tmp_path):
    """The issue's "done when": booked three days ahead, ticking every half hour as `outreach run` would,
    the show runs with them on air, and outbox/ holds exactly confirmation + invite, two reminders and the
    thank-you with their segment's timestamp, in that order."""
    world = team_world
    rundown = Rundown(title="Panel", segments=(
        Segment(title="Welcome", duration_ms=1300),
        Segment(title="Ana's interview", duration_ms=300, guest="Ana Lopez"),
    ), source=str(tmp_path / "panel.yaml"))
    starts_ms = wall_clock_ms() + 60_000
    key = schedule(world.db, "Panel", starts_ms, rundown_path=str((tmp_path / "panel.yaml").resolve()))
    book(world, key)
    show_start = datetime.fromtimestamp(starts_ms / 1000, UTC)
    world.now = show_start - timedelta(days=3)
    while world.now < show_start - timedelta(minutes=15):
        world.tick()
        world.now += timedelta(minutes=30)
    result = asyncio.run(run_show(world.workspace, rundown, RunOptions(auto=True, obs=None, web=None),
                                  echo=lambda line: None))
    set_show_vod(world.db, result.show_id, "https://www.youtube.com/watch?v=abc123")
    report = build_report(ShowStore(world.db).load_show(result.show_id, journal=False), show_id=result.show_id)
    aired_at = next(row for row in report.rows if row.title == "Ana's interview").airings[0][0]
    world.now = datetime.now(UTC)
    for _ in range(48):
        world.tick()
        world.now += timedelta(hours=1)
    kinds = [row[0] for row in world.db.execute(
        "SELECT kind FROM guest_emails WHERE outbox_id IS NOT NULL ORDER BY outbox_id")]
    assert kinds == ["confirmation", "reminder_24h", "reminder_1h", "thank_you"]
    messages = emails_to(world, "ana@example.com")
    assert len(messages) == 4
    [calendar] = invites(messages[:1])
    assert calendar.walk("VEVENT")[0].decoded("DTSTART") == (show_start - timedelta(minutes=15)).replace(microsecond=0)
    thank_you = messages[-1].get_body(("plain",)).get_content()
    assert f"https://www.youtube.com/watch?v=abc123&t={aired_at // 1000}" in thank_you
