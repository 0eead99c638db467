"""Which file column feeds which influencer field: auto-detected from common header names, overridable."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from greenroom.errors import GreenroomError
from outreach.core.influencer import FIELDS

IGNORE = "-"

_SYNONYMS = {
    "name": ("name", "fullname", "influencer", "creator", "contact", "contactname", "displayname", "person"),
    "email": ("email", "emails", "mail", "emailaddress", "emailaddresses", "contactemail", "businessemail"),
    "niches": ("niche", "niches", "tags", "tag", "category", "categories", "topic", "topics"),
    "youtube": ("youtube", "youtubechannel", "youtubechannelid", "youtubeid", "channelid", "yt", "ytchannel"),
    "twitch": ("twitch", "twitchlogin", "twitchchannel", "twitchname"),
    "instagram": ("instagram", "ig", "insta"),
    "tiktok": ("tiktok",),
    "x": ("x", "twitter", "xtwitter", "twitterx"),
    "website": ("website", "site", "web", "homepage", "blog", "url", "websiteurl"),
    "country": ("country", "countrycode"),
    "language": ("language", "lang", "locale"),
    "timezone": ("timezone", "tz", "zone"),
    "owner": ("owner", "assignee", "assignedto", "accountowner", "ownedby", "manager"),
    "stage": ("stage", "status", "pipelinestage", "pipeline"),
    "kind": ("kind", "type"),
    "notes": ("notes", "note", "comments", "comment", "remarks"),
    "followers": ("followers", "subscribers", "subs", "audience", "followercount", "subscribercount",
                  "totalfollowers", "reach"),
}
#: Columns that feed the custom fields templates greet with (``influencer.first_name``/``nickname``).
_GREETING_SYNONYMS = {
    "custom.first_name": ("firstname", "givenname", "first", "forename", "prenom", "prnom", "vorname"),
    "custom.nickname": ("nickname", "nick", "preferredname", "callname", "surnom", "spitzname", "apodo"),
}
_LOOKUP = {synonym: field for field, synonyms in (*_SYNONYMS.items(), *_GREETING_SYNONYMS.items())
           for synonym in synonyms}
#: Columns of `outreach influencers export` that an import recomputes rather than reads.
_EXPORT_ONLY = {"id", "growth7d", "growth30d", "lastcontactedat", "createdat", "updatedat", "handedited"}
_SUFFIXES = ("url", "link", "handle", "username", "login", "profile", "account", "name", "id")


def _fold(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def detect_field(header: str) -> str | None:
    """``"E-mail"`` → email, ``"YouTube URL"`` → youtube, ``"Twitter handle"`` → x; None when unknown.

    Columns written by our own export but computed here (id, growth, timestamps) map to ``-`` (ignored)."""
    folded = _fold(header)
    if folded in _EXPORT_ONLY:
        return IGNORE
    if folded in _LOOKUP:
        return _LOOKUP[folded]
    for suffix in _SUFFIXES:
        if folded.endswith(suffix) and folded[: -len(suffix)] in _LOOKUP:
            return _LOOKUP[folded[: -len(suffix)]]
    return None


def parse_overrides(pairs: Iterable[str], source: str) -> dict[str, str]:
    """``--map "Channel=youtube"`` options → header → field (``-`` ignores the column)."""
    overrides: dict[str, str] = {}
    for pair in pairs:
        column, separator, target = pair.partition("=")
        column, target = column.strip(), target.strip()
        if not separator or not column or not target:
            raise GreenroomError(f"{source}: --map {pair!r} must look like COLUMN=FIELD")
        if target != IGNORE and target not in FIELDS and not target.startswith("custom."):
            raise GreenroomError(
                f"{source}: --map {pair!r}: unknown field {target!r} "
                f"(known: {', '.join(FIELDS)}, custom.KEY, or - to ignore)")
        overrides[column] = target
    return overrides


def map_columns(headers: Sequence[str], overrides: Mapping[str, str], source: str) -> dict[str, str]:
    """Header → field for every column; unknown headers become ``custom.<header>``, ``-`` drops a column.

    Several columns may feed ``email`` or ``niches`` (they are combined); any other field twice is an error.
    """
    unknown = [column for column in overrides if column not in headers]
    if unknown:
        raise GreenroomError(f"{source}: --map names a column the file does not have: {', '.join(unknown)} "
                             f"(columns: {', '.join(headers)})")
    mapping: dict[str, str] = {}
    for header in headers:
        if not header.strip():
            continue
        target = overrides.get(header)
        if target is None and header.startswith("custom."):
            target = header
        target = target or detect_field(header) or f"custom.{header.strip()}"
        if target != IGNORE:
            mapping[header] = target
    seen: dict[str, str] = {}
    for header, target in mapping.items():
        if target in seen and target not in ("email", "niches"):
            raise GreenroomError(
                f"{source}: columns {seen[target]!r} and {header!r} both map to {target}; "
                f"use --map \"{header}=-\" to ignore one")
        seen[target] = header
    return mapping
