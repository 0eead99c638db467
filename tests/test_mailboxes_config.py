"""``[mailboxes.NAME]`` in the workspace config and ``mailboxes:`` in a campaign file: every mistake is
reported with the file and the key (or file:line), passwords come from the environment or the secrets file."""

from __future__ import annotations

import pytest

from greenroom.errors import ConfigError, GreenroomError
from outreach.campaigns.settings import mailbox_settings, smtp_settings
from tests.fixtures.mail import campaign_yaml

KIM_TABLE = '\n[mailboxes.kim]\naddress = "kim@brand.example"\nname = "Kim Example"\ndaily_cap = 30\n'
KIM_SMTP = '\n[mailboxes.kim.smtp]\nhost = "smtp.brand.example"\nusername = "kim@brand.example"\n'


def settings_error(world, extra: str) -> str:
    world.configure(extra)
    with pytest.raises(ConfigError) as caught:
        mailbox_settings(world.workspace)
    return str(caught.value)


def test_a_mailbox_is_read_with_its_own_servers_and_the_default_smtp_keeps_working(world, monkeypatch):
    monkeypatch.setenv("GREENROOM_MAILBOX_KIM_SMTP_PASSWORD", "kim-secret")
    world.configure('[smtp]\nhost = "relay.brand.example"\n' + KIM_TABLE + KIM_SMTP)
    kim = mailbox_settings(world.workspace)["kim"]
    assert (kim.address, kim.name, kim.daily_cap) == ("kim@brand.example", "Kim Example", 30)
    assert (kim.smtp.host, kim.smtp.port, kim.smtp.security) == ("smtp.brand.example", 587, "starttls")
    assert kim.smtp.password == "kim-secret" and "kim-secret" not in repr(kim)
    assert kim.imap is None
    assert smtp_settings(world.workspace).host == "relay.brand.example"


def test_a_mailbox_password_can_come_from_the_secrets_file(world):
    world.configure(KIM_TABLE + KIM_SMTP)
    world.workspace.secrets_path.write_text('[mailboxes.kim.smtp]\npassword = "from-the-file"\n')
    world.workspace.secrets_path.chmod(0o600)
    assert mailbox_settings(world.workspace)["kim"].smtp.password == "from-the-file"


def test_a_missing_password_names_the_variable_and_the_secrets_key(world):
    message = settings_error(world, KIM_TABLE + KIM_SMTP)
    assert str(world.workspace.config_path) in message
    assert "[mailboxes.kim.smtp] username is set but no password" in message
    assert "$GREENROOM_MAILBOX_KIM_SMTP_PASSWORD" in message and "[mailboxes.kim.smtp] password" in message


@pytest.mark.parametrize(("extra", "expected"), [
    ('\n[mailboxes.kim]\nname = "Kim"\n', "missing setting [mailboxes.kim] address"),
    ('\n[mailboxes.kim]\naddress = "not an address"\n', "[mailboxes.kim] address 'not an address' is not an email"),
    (KIM_TABLE.replace("daily_cap = 30", "daily_cap = 0"), "[mailboxes.kim] daily_cap must be a whole number >= 1"),
    (KIM_TABLE.replace("daily_cap = 30", 'daily_cap = "lots"'), "[mailboxes.kim] daily_cap must be an integer"),
    (KIM_TABLE + "dialy_cap = 3\n", "[mailboxes.kim]: unknown setting(s) 'dialy_cap'"),
    (KIM_TABLE + '\n[mailboxes.kim.smtp]\nhost = "h"\nport = "x"\n', "[mailboxes.kim.smtp] port must be an integer"),
    (KIM_TABLE + '\n[mailboxes.kim.imap]\nport = 993\n', "missing setting [mailboxes.kim.imap] host"),
    (KIM_TABLE + '\n[mailboxes.kim.smtp]\nhost = "h"\nsecurity = "tls"\n',
     "[mailboxes.kim.smtp] security must be one of none, starttls, ssl"),
    (KIM_TABLE + '\n[mailboxes.sam]\naddress = "KIM@brand.example"\n',
     "[mailboxes.sam] address KIM@brand.example is already mailbox 'kim'"),
    ('\n[mailboxes.Kim]\naddress = "kim@brand.example"\n', "[mailboxes.Kim]: a mailbox name uses lowercase"),
    ('\n[mailboxes]\nkim = "kim@brand.example"\n', "[mailboxes.kim] must be a table of settings"),
])
def test_each_config_mistake_names_the_file_and_the_key(world, extra, expected):
    message = settings_error(world, extra)
    assert message.startswith(f"{world.workspace.config_path}: ")
    assert expected in message


def rotating(**overrides: object) -> str:
    return campaign_yaml(**overrides).replace("sender: {name: Ana Example, address: ana@brand.example}\n",
                                              "mailboxes:\n  - kim\n  - sma\n")


def test_an_unknown_mailbox_in_a_campaign_is_an_error_at_its_line(world):
    world.configure(KIM_TABLE)
    world.add_person("Bo Fit", "bo@example.org")
    path = world.write_campaign(rotating())
    with pytest.raises(GreenroomError) as caught:
        world.start(rotating())
    assert f"{path}:5: unknown mailbox 'sma': no [mailboxes.sma] in the workspace config (known: kim)" in str(
        caught.value)
    assert world.db.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0


def test_a_campaign_names_either_sender_or_mailboxes(world):
    world.configure(KIM_TABLE)
    both = campaign_yaml().replace("sender:", "mailboxes: [kim]\nsender:")
    with pytest.raises(GreenroomError, match=r":4: use either 'sender' or 'mailboxes', not both"):
        world.start(both)


def test_a_campaign_whose_mailbox_left_the_config_says_so_and_others_keep_sending(world):
    world.configure(KIM_TABLE)
    world.add_person("Bo Fit", "bo@example.org")
    world.start(rotating().replace("  - sma\n", ""))
    world.configure()
    report = world.tick()
    assert report.sent == 0
    assert "sends from mailbox 'kim', which is not in the workspace config" in report.errors[0]
