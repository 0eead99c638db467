"""The campaign commands as a user runs them: one-line errors, who was left out, preview, lint, control, report."""

import os
import signal
import subprocess
import sys

import pytest

from tests.fixtures.mail import campaign_yaml
from tests.helpers import OutputLines, eventually_blocking


def people(world):
    world.add_person("Bo Fit", "bo@example.org")
    world.add_person("Cy Cook", "cy@example.org", stage="do-not-contact")
    world.add_person("Di Dance", "di@example.org")
    world.add_person("Ed NoMail", None)


def test_start_enrolls_the_audience_and_says_who_was_left_out_and_why(world, outreach_cli):
    people(world)
    world.db["suppressions"].insert({"email": "di@example.org", "reason": "bounce", "created_at": "2026-01-01"})
    result = outreach_cli("campaign", "start", str(world.write_campaign(audience="{}")))
    assert result.exit_code == 0, result.output
    assert "left out #2 Cy Cook: stage is do-not-contact" in result.output
    assert "left out #3 Di Dance: bounced before" in result.output
    assert "left out #4 Ed NoMail: no email address" in result.output
    assert "enrolled 1 people, left out 3" in result.output


def test_person_already_active_elsewhere_is_left_out(world, outreach_cli):
    people(world)
    outreach_cli("campaign", "start", str(world.write_campaign(name="first")))
    result = outreach_cli("campaign", "start", str(world.write_campaign(name="second")))
    assert "left out #1 Bo Fit: already active in campaign 'first'" in result.output


def test_invalid_campaign_file_is_one_line_with_file_and_line_and_nothing_is_enrolled(world, outreach_cli):
    people(world)
    path = world.write_campaign(campaign_yaml().replace("daily_cap: 1000", "daily_cap: lots"))
    result = outreach_cli("campaign", "start", str(path))
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {path}:9: daily_cap must be a whole number >= 1, got 'lots'"
    assert world.db["enrollments"].count == 0


def test_lint_lists_each_missing_variable_per_recipient_before_anything_is_sent(world, outreach_cli):
    world.add_person("Bo Fit", "bo@example.org", youtube=None, twitch=None)
    world.db.execute("UPDATE influencers SET youtube = NULL")
    result = outreach_cli("lint", str(world.write_campaign()))
    assert result.exit_code == 1
    assert "#1 Bo Fit: step 1 (first-contact.md.j2) misses influencer.channel" in result.output
    assert outreach_cli("campaign", "start", str(world.write_campaign())).exit_code == 2
    assert world.db["campaigns"].count == 0


def test_preview_prints_the_full_message_with_headers_and_footer(world, outreach_cli):
    world.add_person("Bo Fit", "bo@example.org")
    result = outreach_cli("preview", str(world.write_campaign()), "--person", "1", "--step", "2")
    assert result.exit_code == 0, result.output
    assert "To: Bo Fit <bo@example.org>" in result.output
    assert "Subject: Re: Bo, a live interview for your audience?" in result.output
    assert "In-Reply-To: <" in result.output
    assert "List-Unsubscribe: <mailto:ana@brand.example?subject=unsubscribe>" in result.output
    assert "Example Brand, 1 Main St, Springfield" in result.output
    assert world.db["outbox"].count == 0


def test_dry_run_shows_what_would_be_sent_and_records_nothing(world, outreach_cli, smtp_server):
    world.configure(smtp_server.config())
    world.add_person("Bo Fit", "bo@example.org")
    outreach_cli("campaign", "start", str(world.write_campaign()))
    result = outreach_cli("send", "--once", "--dry-run")
    assert "would queue: spring step 1 to bo@example.org: Bo, a live interview for your audience?" in result.output
    assert world.db["outbox"].count == 0
    assert smtp_server.handler.messages == []


def test_paused_campaign_sends_nothing_until_resumed(world, outreach_cli, smtp_server):
    world.configure(smtp_server.config())
    world.add_person("Bo Fit", "bo@example.org")
    outreach_cli("campaign", "start", str(world.write_campaign()))
    assert outreach_cli("campaign", "pause", "spring").output.strip() == "campaign spring is paused"
    outreach_cli("send", "--once")
    assert smtp_server.handler.messages == []
    outreach_cli("campaign", "resume", "spring")
    assert "sent 1" in outreach_cli("send", "--once").output
    assert len(smtp_server.handler.messages) == 1


def test_stop_ends_sequences_and_status_shows_it(world, outreach_cli):
    world.add_person("Bo Fit", "bo@example.org")
    outreach_cli("campaign", "start", str(world.write_campaign()))
    outreach_cli("campaign", "stop", "spring")
    result = outreach_cli("campaign", "status")
    assert "spring [stopped]: enrollments: stopped 1; outbox: empty" in result.output
    assert "is stopped; cannot make it active" in outreach_cli("campaign", "resume", "spring").output


def test_missing_postal_address_is_one_line_naming_key_and_file(world, outreach_cli):
    world.configure(physical_address=None)
    world.add_person("Bo Fit", "bo@example.org")
    outreach_cli("campaign", "start", str(world.write_campaign()))
    result = outreach_cli("send", "--once")
    assert result.exit_code == 2
    assert result.output.strip() == (f"Error: {world.workspace.config_path}: missing setting [outreach] "
                                     "physical_address (your postal address; required in every email by CAN-SPAM)")


def test_suppress_add_list_remove(world, outreach_cli):
    assert "bo@example.org: suppressed" in outreach_cli("suppress", "add", "Bo@Example.org", "--reason", "asked").output
    assert "bo@example.org\tasked\tcli" in outreach_cli("suppress", "list").output
    assert "bo@example.org: removed" in outreach_cli("suppress", "remove", "bo@example.org").output
    assert "no suppressed addresses" in outreach_cli("suppress", "list").output


def test_report_shows_sent_and_replied_per_step_with_reply_rate(world, outreach_cli, smtp_server):
    world.configure(smtp_server.config())
    world.add_person("Bo Fit", "bo@example.org")
    world.add_person("Di Dance", "di@example.org")
    world.start()
    world.tick()
    world.db.execute("UPDATE outbox SET outcome = 'replied', outcome_at = ? WHERE id = 1",
                     [(world.now.replace(hour=13)).isoformat(timespec="seconds")])
    result = outreach_cli("report", "campaign", "spring")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[2].split() == ["1", "first-contact.md.j2", "2", "2", "1", "0", "0", "0", "0", "0", "0", "50.0%", "3.0",
                                "h"]
    assert "overall reply rate 50.0%" in result.output


def test_uncertain_resolution_is_refused_for_a_message_that_is_not_uncertain(world, outreach_cli):
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    result = outreach_cli("outbox", "resolve", "1", "--sent")
    assert result.output.strip() == "Error: outbox message #1 is sent, not uncertain: nothing to resolve"


@pytest.mark.subprocess
def test_run_service_sends_without_a_tty_and_stops_cleanly_on_sigterm(world, smtp_server):
    world.configure(smtp_server.config())
    world.add_person("Bo Fit", "bo@example.org")
    world.now = world.now.replace(year=2020)
    world.start()
    process = subprocess.Popen(
        [sys.executable, "-c", "from outreach.cli import main; main()", "--workspace", str(world.workspace.root),
         "run", "--send-every", "1"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        output = OutputLines(process.stdout)
        eventually_blocking(lambda: output.contains("queued 1, sent 1"), 20, describe=output.so_far)
        os.kill(process.pid, signal.SIGTERM)
        process.wait(20)
        out, err = output.finish(), process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "queued 1, sent 1" in out
    assert out.strip().endswith("stopped.")
    assert len(smtp_server.handler.messages) == 1
