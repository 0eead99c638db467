"""Influencers as the domain sees them: fields, pipeline stages, normalisation, dedupe and merge rules.

Pure functions only (no database, no files, no clock) so the rules are tested fast and exhaustively; the
importer, the storage layer and the CLI all go through them, so a handle typed by hand and one imported from
a spreadsheet end up identical and match each other.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit


class Stage(StrEnum):
    """Where a person stands in the pipeline; the value is what the ``influencers.stage`` column holds."""

    PROSPECT = "prospect"
    CONTACTED = "contacted"
    REPLIED = "replied"
    NEGOTIATING = "negotiating"
    AGREED = "agreed"
    #: Went on air as a guest of a show (from livekit's appearance log, see outreach.guest_booking).
    APPEARED = "appeared"
    DECLINED = "declined"
    DO_NOT_CONTACT = "do-not-contact"


class Kind(StrEnum):
    """What a tracked account is; the value is what the ``influencers.kind`` column holds."""

    INFLUENCER = "influencer"
    BRAND = "brand"
    COMPETITOR = "competitor"


#: The values as plain text, in pipeline order, for choices on the command line and in messages.
STAGES: tuple[str, ...] = tuple(stage.value for stage in Stage)
KINDS: tuple[str, ...] = tuple(kind.value for kind in Kind)
#: The forward path of the pipeline: activities only ever move a person further along it.
PIPELINE = (Stage.PROSPECT, Stage.CONTACTED, Stage.REPLIED, Stage.NEGOTIATING, Stage.AGREED, Stage.APPEARED)
PLATFORMS = ("youtube", "twitch", "instagram", "tiktok", "x")
#: Platforms whose handle identifies a person (the website does not: agencies share one).
IDENTITY_PLATFORMS = PLATFORMS
#: Every field an import column or ``influencers set`` can target (``custom.KEY`` is also accepted).
FIELDS = ("name", "email", "niches", *PLATFORMS, "website", "country", "language", "timezone", "owner",
          "stage", "kind", "notes", "followers")


class InvalidValue(ValueError):
    """A value that cannot be normalised; the message is meant for the user (the caller adds where)."""


# ---------------------------------------------------------------------------------------------- emails

_NAME_AND_ADDRESS = re.compile(r"[^<>]*<([^<>]+)>")
_EMAIL = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")
_EMAIL_SPLIT = re.compile(r"[;,\s]+")


def normalise_email(value: str) -> str:
    """Lower-case and validate one address; refuses anything that could smuggle a header (spaces, CR/LF).

    ``Priya <priya@example.org>`` (as mail clients and CRMs export it) gives the address between the angle
    brackets; the name part is dropped, never used in a header."""
    email = value.strip().lower()
    bracketed = _NAME_AND_ADDRESS.fullmatch(email)
    if bracketed:
        email = bracketed.group(1).strip()
    if email.startswith("mailto:"):
        email = email[len("mailto:"):]
    if len(email) > 254 or not _EMAIL.match(email) or ".." in email:
        raise InvalidValue(f"{value.strip()!r} is not a valid email address")
    return email


def normalise_emails(value: str | Iterable[str] | None) -> list[str]:
    """Split a cell such as ``"a@x.org; B@y.org"`` into unique normalised addresses, first one primary."""
    if value is None:
        return []
    parts = _EMAIL_SPLIT.split(value) if isinstance(value, str) else [str(item) for item in value]
    emails: list[str] = []
    for part in parts:
        if part.strip():
            email = normalise_email(part)
            if email not in emails:
                emails.append(email)
    return emails


# --------------------------------------------------------------------------------------------- handles

_YOUTUBE_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_HANDLE_RULES = {
    # platform: (pattern of a valid normalised handle, what the user is told)
    "youtube": (re.compile(r"^[a-z0-9._-]{3,30}$"), "a YouTube channel id (UC…) or @handle"),
    "twitch": (re.compile(r"^[a-z0-9_]{1,25}$"), "a Twitch login (letters, digits, _)"),
    "instagram": (re.compile(r"^[a-z0-9._]{1,30}$"), "an Instagram username"),
    "tiktok": (re.compile(r"^[a-z0-9._]{2,24}$"), "a TikTok username"),
    "x": (re.compile(r"^[a-z0-9_]{1,15}$"), "an X/Twitter handle (up to 15 letters, digits, _)"),
}
_HOSTS = {
    "youtube": ("youtube.com", "m.youtube.com", "youtu.be"),
    "twitch": ("twitch.tv", "m.twitch.tv"),
    "instagram": ("instagram.com",),
    "tiktok": ("tiktok.com",),
    "x": ("x.com", "twitter.com", "mobile.twitter.com"),
}


#: youtu.be links always point at one video, never at a channel.
_VIDEO_LINK = re.compile(r"(?:^|//|\.)youtu\.be/", re.IGNORECASE)
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?([^/?#]*)([^?#]*)", re.IGNORECASE)


def _path_parts(value: str, platform: str) -> list[str] | None:
    """Path segments when ``value`` is a URL of ``platform``; None when it is not a URL at all."""
    if "/" not in value and "." not in value:
        return None
    match = _URL.match(value)
    if match is None:
        return None
    host = match.group(1).lower().rsplit("@", 1)[-1].split(":")[0].removeprefix("www.")
    if host not in _HOSTS[platform]:
        if "://" in value or "/" in value:
            raise InvalidValue(f"{value!r} is not a {platform} address")
        return None
    return [segment for segment in match.group(2).split("/") if segment]


def normalise_handle(platform: str, value: str) -> str:
    """The canonical handle: no ``@``, lower-case, URLs reduced to the handle (YouTube: channel id kept as is)."""
    if platform not in _HANDLE_RULES:
        raise InvalidValue(f"unknown platform {platform!r} (known: {', '.join(PLATFORMS)})")
    raw = value.strip()
    if not raw:
        raise InvalidValue(f"empty {platform} handle")
    segments = _path_parts(raw, platform)
    if segments is not None:
        if not segments:
            raise InvalidValue(f"{raw!r} has no {platform} handle in it")
        prefixed = platform == "youtube" and segments[0] in ("channel", "c", "user") and len(segments) > 1
        candidate = segments[1] if prefixed else segments[0]
    else:
        candidate = raw
    candidate = candidate.strip()
    if platform == "youtube" and segments is not None and (
            _VIDEO_LINK.search(raw) or segments[0] in ("watch", "shorts", "live", "embed")):
        raise InvalidValue(f"{raw!r} is a link to a video, not to a channel: use the channel's address or @handle")
    if platform == "youtube" and _YOUTUBE_CHANNEL_ID.match(candidate):
        return candidate
    if platform == "youtube" and segments and segments[0] == "channel":
        raise InvalidValue(f"{raw!r} does not hold a YouTube channel id (UC followed by 22 characters)")
    handle = candidate.removeprefix("@").lower()
    pattern, description = _HANDLE_RULES[platform]
    if not pattern.match(handle):
        raise InvalidValue(f"{raw!r} is not {description}")
    return handle


def is_youtube_channel_id(handle: str) -> bool:
    return bool(_YOUTUBE_CHANNEL_ID.match(handle))


def normalise_website(value: str) -> str:
    """``Example.org/`` → ``https://example.org``: scheme added, host lower-cased, trailing slash dropped."""
    raw = value.strip()
    text = raw if "://" in raw else f"https://{raw}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or "." not in parts.hostname or " " in raw:
        raise InvalidValue(f"{raw!r} is not a web address")
    netloc = parts.hostname.lower() + (f":{parts.port}" if parts.port else "")
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{netloc}{path}{query}"


# ----------------------------------------------------------------------------------------- other values

_COUNT = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmb]?)$")
#: "1.234" or "1.234.567" with no suffix: dots as thousands separators (German, Dutch, …); a follower count
#: is a whole number, so three digits after a dot are never decimals.
_DOT_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
#: What people write for "not known"; such a cell is left empty instead of making the whole row invalid.
NOT_KNOWN = frozenset({"n/a", "na", "n.a.", "-", "--", "?", "unknown", "tbd", "k.a.", "k. a.", "nc", "n/c"})
_MULTIPLIERS = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
#: No audience is bigger; a larger figure is a typo (and would not fit a SQLite INTEGER anyway).
MAX_COUNT = 10**12


def parse_count(value: str | int | float) -> int:
    """Audience sizes as people type them: ``12,345``, ``12 345``, ``12.3k``, ``1.2M``; at most MAX_COUNT."""
    if isinstance(value, bool):
        raise InvalidValue(f"{value!r} is not a number of followers")
    if isinstance(value, int | float):
        if not value >= 0:  # also refuses NaN
            raise InvalidValue(f"{value!r} is not a number of followers")
        count = value
    else:
        text = value.strip().lower().replace("\u00a0", "").replace(" ", "").replace("_", "")
        # Approximations as typed in spreadsheets: "~50k", "ca. 50k", "approx. 50k", "12k+", ">10k".
        text = re.sub(r"^(?:~|ca\.?|approx\.?|about|>|≈)", "", text).removesuffix("+")
        if _DOT_THOUSANDS.match(text):
            text = text.replace(".", "")
        if re.fullmatch(r"\d+,\d{1,2}[kmb]?", text):
            text = text.replace(",", ".")  # European decimal comma: "12,5k"
        text = text.replace(",", "")
        match = _COUNT.match(text)
        if not match:
            raise InvalidValue(f"{value.strip()!r} is not a number of followers")
        count = float(match.group(1)) * _MULTIPLIERS[match.group(2)]
    if count > MAX_COUNT:
        shown = value.strip() if isinstance(value, str) else value
        raise InvalidValue(f"{shown!r} followers is more than the {MAX_COUNT:,} allowed")
    return round(count)


def normalise_niches(value: str | Iterable[str] | None) -> list[str]:
    """Tags split on ``,`` ``;`` or ``|``, trimmed, lower-cased, duplicates dropped (order kept)."""
    if value is None:
        return []
    parts = re.split(r"[,;|]", value) if isinstance(value, str) else [str(item) for item in value]
    niches: list[str] = []
    for part in parts:
        niche = " ".join(part.split()).lower()
        if niche and niche not in niches:
            niches.append(niche)
    return niches


def normalise_choice(value: str, choices: Sequence[str], what: str) -> str:
    text = value.strip().lower().replace("_", "-").replace(" ", "-")
    if text not in choices:
        raise InvalidValue(f"{value.strip()!r} is not a {what} (one of: {', '.join(choices)})")
    return text


def normalise_timezone(value: str, known: Collection[str]) -> str:
    """An IANA zone name (``Europe/Paris``); ``known`` is injected so the core reads no tz database."""
    text = value.strip()
    if text in known:
        return text
    folded = {zone.lower(): zone for zone in known}.get(text.lower())
    if folded:
        return folded
    raise InvalidValue(f"{text!r} is not an IANA time zone such as Europe/Paris")


def normalise_country(value: str) -> str:
    text = value.strip()
    return text.upper() if len(text) == 2 and text.isalpha() else text


def normalise_field(name: str, value: Any, known_timezones: Collection[str]) -> Any:
    """Normalise one field value (from a file or typed by hand); empty → None; bad → InvalidValue."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if name == "email":
        return normalise_emails(value) or None
    if name == "niches":
        return normalise_niches(value) or None
    if name in PLATFORMS:
        return normalise_handle(name, str(value))
    if name == "website":
        return normalise_website(str(value))
    if name == "followers":
        if isinstance(value, str) and value.strip().lower() in NOT_KNOWN:
            return None
        return parse_count(value)
    if name == "stage":
        return normalise_choice(str(value), STAGES, "pipeline stage")
    if name == "kind":
        return normalise_choice(str(value), KINDS, "kind")
    if name == "timezone":
        return normalise_timezone(str(value), known_timezones)
    if name == "country":
        return normalise_country(str(value))
    if name == "language":
        return str(value).strip().lower()
    if name in ("name", "owner", "notes") or name.startswith("custom."):
        if isinstance(value, str):
            return " ".join(value.split()) if name != "notes" else value.strip()
        return value
    raise InvalidValue(f"unknown field {name!r} (known: {', '.join(FIELDS)}, custom.KEY)")


# ----------------------------------------------------------------------------------------------- people


@dataclass
class Person:
    """One incoming or stored person in normalised form (what import rows and DB rows both become)."""

    fields: dict[str, Any] = field(default_factory=dict)
    emails: list[str] = field(default_factory=list)
    niches: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)

    def identities(self) -> list[tuple[str, str]]:
        """Keys that identify this person across files: each email and each social handle."""
        keys = [("email", email) for email in self.emails]
        keys += [(platform, self.fields[platform]) for platform in IDENTITY_PLATFORMS if self.fields.get(platform)]
        return keys

    def display_name(self) -> str:
        if self.fields.get("name"):
            return str(self.fields["name"])
        for platform in PLATFORMS:
            if self.fields.get(platform):
                return str(self.fields[platform])
        return self.emails[0].split("@")[0] if self.emails else "?"


def person_from_values(values: Mapping[str, Any], known_timezones: Collection[str]) -> tuple[Person, list[str]]:
    """Build a Person from ``field -> raw value``; returns the person and the list of problems (empty when valid)."""
    person = Person()
    problems: list[str] = []
    for name, raw in values.items():
        try:
            value = normalise_field(name, raw, known_timezones)
        except InvalidValue as error:
            problems.append(f"{name}: {error}")
            continue
        if value is None:
            continue
        if name == "email":
            person.emails.extend(email for email in value if email not in person.emails)
        elif name == "niches":
            person.niches.extend(niche for niche in value if niche not in person.niches)
        elif name.startswith("custom."):
            person.custom[name.removeprefix("custom.")] = value
        else:
            person.fields[name] = value
    if not problems and not person.identities():
        problems.append("no email and no platform handle, so this person could not be recognised later")
    return person, problems


@dataclass
class Merge:
    """What merging an incoming person into a known one changes, and what it deliberately left alone."""

    updates: dict[str, Any] = field(default_factory=dict)
    new_emails: list[str] = field(default_factory=list)
    new_niches: list[str] = field(default_factory=list)
    custom_updates: dict[str, Any] = field(default_factory=dict)
    kept_hand_edited: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.updates or self.new_emails or self.new_niches or self.custom_updates)


def merge_person(existing: Person, incoming: Person, hand_edited: Collection[str]) -> Merge:
    """Fill gaps and take newer values, but never overwrite a field someone edited by hand.

    Emails and niches are unions (niches edited by hand stay as they are); ``custom.KEY`` follows the
    scalar rule per key.
    """
    merge = Merge()
    for name, value in incoming.fields.items():
        current = existing.fields.get(name)
        if current == value:
            continue
        if current not in (None, "") and name in hand_edited:
            merge.kept_hand_edited.append(name)
            continue
        merge.updates[name] = value
    for key, value in incoming.custom.items():
        current = existing.custom.get(key)
        if current == value or (current is not None and str(current) == str(value)):
            continue  # 400 from JSON and "400" from a CSV are the same value
        if current not in (None, "") and f"custom.{key}" in hand_edited:
            merge.kept_hand_edited.append(f"custom.{key}")
            continue
        merge.custom_updates[key] = value
    merge.new_emails = [email for email in incoming.emails if email not in existing.emails]
    new_niches = [niche for niche in incoming.niches if niche not in existing.niches]
    if new_niches and "niches" in hand_edited:
        merge.kept_hand_edited.append("niches")  # a tag removed by hand must not come back from a file
    else:
        merge.new_niches = new_niches
    return merge


def apply_merge(person: Person, merge: Merge) -> None:
    """Apply a merge to an in-memory person (so later rows of the same file see the merged state)."""
    person.fields.update(merge.updates)
    person.custom.update(merge.custom_updates)
    person.emails.extend(merge.new_emails)
    person.niches.extend(merge.new_niches)


class IdentityIndex:
    """Which known person (by key) owns each email and handle; finds the people an incoming row matches."""

    def __init__(self) -> None:
        self._owners: dict[tuple[str, str], Any] = {}

    def add(self, owner: Any, identities: Iterable[tuple[str, str]]) -> None:
        for identity in identities:
            self._owners.setdefault(identity, owner)

    def matches(self, identities: Iterable[tuple[str, str]]) -> dict[Any, list[tuple[str, str]]]:
        """Owner → the identities by which the row matched it (insertion ordered)."""
        found: dict[Any, list[tuple[str, str]]] = {}
        for identity in identities:
            owner = self._owners.get(identity)
            if owner is not None:
                found.setdefault(owner, []).append(identity)
        return found

    def owner(self, identity: tuple[str, str]) -> Any:
        return self._owners.get(identity)


def describe_identity(identity: tuple[str, str]) -> str:
    kind, value = identity
    return f"email {value}" if kind == "email" else f"{kind} {value}"


# ------------------------------------------------------------------------------------- stages, growth


def stage_after_activity(stage: str, activity: str) -> str:
    """Activities move the pipeline forward, never backward (a reply to a follow-up keeps 'negotiating');
    an opt-out always ends at do-not-contact."""
    if activity in ("opted out", "opted-out"):
        return Stage.DO_NOT_CONTACT
    order = {name: index for index, name in enumerate(PIPELINE)}
    target = {"emailed": Stage.CONTACTED, "replied": Stage.REPLIED, "booked as guest": Stage.AGREED,
              "appeared on show": Stage.APPEARED}.get(activity)
    if target is None or stage not in order:
        return stage
    return target if order[target] > order[Stage(stage)] else stage


@dataclass(frozen=True)
class Snapshot:
    platform: str
    followers: int | None
    taken_at: datetime


def latest_audience(snapshots: Iterable[Snapshot]) -> int | None:
    """Sum over platforms of each platform's latest follower count (None when nothing is known)."""
    latest: dict[str, Snapshot] = {}
    for snapshot in snapshots:
        if snapshot.followers is None:
            continue
        current = latest.get(snapshot.platform)
        if current is None or snapshot.taken_at >= current.taken_at:
            latest[snapshot.platform] = snapshot
    return sum(s.followers for s in latest.values() if s.followers is not None) if latest else None


def growth_percent(snapshots: Sequence[Snapshot], now: datetime, days: int) -> float | None:
    """Audience growth over ``days`` in percent, summed over platforms that have a baseline.

    The baseline of a platform is its latest snapshot at least ``days - 1`` days old, so a daily refresh
    that runs a few minutes late still finds last week's value. None when no platform has history that old.
    """
    cutoff = now - timedelta(days=days - 1)
    gained = 0
    base = 0
    for platform in {s.platform for s in snapshots}:
        series = sorted(
            (s for s in snapshots if s.platform == platform and s.followers is not None and s.taken_at <= now),
            key=lambda s: s.taken_at,
        )
        baseline = [s for s in series if s.taken_at <= cutoff]
        if not series or not baseline:
            continue
        first, last = baseline[-1], series[-1]
        if last is first or first.followers is None or last.followers is None:
            continue
        gained += last.followers - first.followers
        base += first.followers
    if base <= 0:
        return None
    return round(gained * 100.0 / base, 2)
