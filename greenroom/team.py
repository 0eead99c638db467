"""The team named in ``greenroom.toml``: who books guests and owns influencers, shared by both tools.

    [team.kim]
    name = "Kim Lee"
    email = "kim@agency.com"
    mailbox = "kim"        # optional: the mailbox their guests' emails go out from

A member is referred to by their key (``kim``); their name or email is accepted too and stored as the key.
When no ``[team.*]`` is configured, "booked by" and "owner" stay free text (a solo user needs no setup);
once a team is configured, only its members are accepted, so a typo cannot hide someone's bookings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from greenroom.config import Config
from greenroom.errors import ConfigError, GreenroomError

#: A member's key as written in ``[team.KEY]``: what "booked by" and "owner" store.
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")
MEMBER_FIELDS = ("name", "email", "mailbox")


class UnknownTeamMember(GreenroomError):
    """A "booked by" or "owner" that names nobody of the configured team."""


@dataclass(frozen=True)
class TeamMember:
    key: str
    name: str
    email: str
    #: The outreach mailbox their guests' emails are sent from (None: the default mailbox).
    mailbox: str | None = None


@dataclass(frozen=True)
class Team:
    members: tuple[TeamMember, ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.members)

    def __iter__(self) -> Iterator[TeamMember]:
        return iter(self.members)

    def find(self, reference: str) -> TeamMember | None:
        """The member whose key, name or email is ``reference`` (any case), or None."""
        wanted = " ".join(reference.split()).casefold()
        for member in self.members:
            if wanted in (member.key, member.name.casefold(), member.email.casefold()):
                return member
        return None

    def member(self, reference: str) -> TeamMember:
        member = self.find(reference)
        if member is None:
            keys = ", ".join(member.key for member in self.members)
            raise UnknownTeamMember(f"{reference!r} is not on the team (greenroom.toml [team.*]: {keys})")
        return member

    def key_for(self, reference: str | None) -> str | None:
        """What to store for a "booked by"/"owner" someone typed: the member's key when a team is configured
        (:class:`UnknownTeamMember` for anyone else), the text as typed when none is. Empty stays empty."""
        if reference is None or not reference.strip():
            return reference
        if not self.configured:
            return reference.strip()
        return self.member(reference).key


def load_team(config: Config) -> Team:
    """The ``[team.*]`` tables of ``config``; every bad entry is a :class:`ConfigError` naming file and key."""
    members = []
    emails: dict[str, str] = {}
    for key, values in config.named_tables(
            "team", KEY_PATTERN, "a member's key must be lower-case letters, digits, '.', '_' or '-' "
            "(it is what bookings store, e.g. [team.kim])", MEMBER_FIELDS):
        where = f"{config.path}: [team.{key}]"
        name = _text(where, values, "name", required=True)
        email = _text(where, values, "email", required=True)
        if "@" not in email or any(char.isspace() or char in "<>,;" for char in email):
            raise ConfigError(f"{where} email must be an email address, got {email!r}")
        if email.casefold() in emails:
            raise ConfigError(f"{where} email {email!r} is also [team.{emails[email.casefold()]}]'s")
        emails[email.casefold()] = key
        mailbox = _text(where, values, "mailbox", required=False) or None
        members.append(TeamMember(key=key, name=name, email=email, mailbox=mailbox))
    return Team(tuple(members))


def _text(where: str, values: dict[str, object], key: str, *, required: bool) -> str:
    value = values.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{where}: missing setting {key}")
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} {key} must be a non-empty string, got {value!r}")
    return " ".join(value.split())
