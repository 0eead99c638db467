"""Add one person typed on the command line, with the rules of an import row: the same normalisation and
validation, refused when their email or a handle is already known (where an import would merge), and
written the way an import writes (emails, history, full-text index)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlite_utils

from greenroom.clock import utc_now
from greenroom.errors import GreenroomError
from outreach.core.influencer import (
    IDENTITY_PLATFORMS,
    PLATFORMS,
    InvalidValue,
    describe_identity,
    normalise_field,
    normalise_handle,
    person_from_values,
)
from outreach.importing.importer import _Target, _Writer
from outreach.storage.influencers import known_timezones, name_problem


class InvalidPerson(GreenroomError):
    """The values given cannot make a person; the message names the option of each bad value."""


class AlreadyKnown(GreenroomError):
    """The email or a handle belongs to someone already tracked (an import would merge into them)."""


def platform_of(url: str) -> str:
    """The platform a profile or channel address belongs to (``https://twitch.tv/ana`` → twitch)."""
    for platform in PLATFORMS:
        try:
            normalise_handle(platform, url)
        except InvalidValue:
            continue
        if "/" in url or "." in url:
            return platform
    raise InvalidValue(f"{url!r} is not the address of a profile on {', '.join(PLATFORMS)}")


def _known_owner(db: sqlite_utils.Database, identity: tuple[str, str]) -> int | None:
    kind, value = identity
    if kind == "email":
        row = db.execute("SELECT influencer_id FROM influencer_emails WHERE email = ?", [value]).fetchone()
    else:
        row = db.execute(f"SELECT id FROM influencers WHERE {kind} = ?",  # noqa: S608 - a platform name
                         [value]).fetchone()
    return row[0] if row else None


def add_influencer(db: sqlite_utils.Database, values: Mapping[str, object], options: Mapping[str, str],
                   now: datetime | None = None) -> int:
    """Add one person from ``field → raw value`` (fields as in an import column, ``custom.KEY`` included)
    and return the new id. ``options`` names the command-line option of each field, for the messages.

    Fields given here are typed by hand, so they are stored as hand-edited: a later import never
    overwrites them (it fills the others and adds emails and tags)."""
    zones = known_timezones()
    problems = []
    for name, raw in values.items():
        try:
            value = normalise_field(name, raw, zones)
        except InvalidValue as error:
            problems.append(f"{options.get(name, name)}: {error}")
            continue
        if name == "name" and (problem := name_problem(value)):
            problems.append(f"{options.get(name, name)}: {problem}")
    if problems:
        raise InvalidPerson("; ".join(problems))
    person, rest = person_from_values(values, zones)
    if rest or not person.identities():
        handles = ", ".join([*(options.get(platform, platform) for platform in IDENTITY_PLATFORMS),
                             *options.get("profile", "").split()])
        raise InvalidPerson(f"give {options.get('email', 'email')} or a handle ({handles}): without one this "
                            f"person could not be recognised later")
    with db.atomic():
        for identity in person.identities():
            owner = _known_owner(db, identity)
            if owner is not None:
                name = db.execute("SELECT name FROM influencers WHERE id = ?", [owner]).fetchone()[0]
                raise AlreadyKnown(
                    f"already known: #{owner} {name} has {describe_identity(identity)} "
                    f"(change them with `outreach influencers set {owner} FIELD=VALUE`)")
        writer = _Writer(db, "outreach influencers add", now or utc_now(), kind="added")
        target = _Target(person, "", writer.next_id, hand_edited=frozenset(
            name for name in values if values[name] not in (None, "", ())))
        writer.insert([target])
        writer.close()
    return writer.next_id
