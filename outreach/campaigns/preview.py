"""Exactly what would be sent: the full messages (headers included) for chosen recipients, nothing stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlite_utils

from greenroom.errors import GreenroomError
from outreach.campaigns.settings import OutreachSettings
from outreach.campaigns.store import (
    campaign_senders,
    choose_audience,
    get_campaign,
    load_people,
    read_campaign_file,
    template_variables,
    workspace_mailboxes,
)
from outreach.core.campaign import Campaign
from outreach.mail.message import Outgoing, build_message, new_message_id, reply_subject
from outreach.mail.template import TemplateLibrary, template_dirs


@dataclass
class Target:
    """A campaign given by file (not started yet) or by name (started), and its recipients' ids."""

    campaign: Campaign
    people: list[int]


def find_target(db: sqlite_utils.Database, reference: str) -> Target:
    """``reference`` is a campaign file, or the name of a started campaign."""
    path = Path(reference)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise GreenroomError(f"{path}: no such campaign file")
        campaign, _ = read_campaign_file(path)
        return Target(campaign, [pid for pid, _, _ in choose_audience(db, campaign).enrolled])
    stored = get_campaign(db, reference)
    ids = [r[0] for r in db.execute("SELECT influencer_id FROM enrollments WHERE campaign_id = ? ORDER BY id",
                                    [stored.id]).fetchall()]
    return Target(stored.campaign, ids)


def preview(
    db: sqlite_utils.Database, workspace_root: Path | None, settings: OutreachSettings, campaign: Campaign,
    people: list[int], now: datetime, steps: list[int] | None = None,
) -> list[tuple[int, int, str]]:
    """(person id, step number from 1, full message text) for each person and step, threaded like real sends."""
    library = TemplateLibrary(template_dirs(workspace_root))
    records = load_people(db, people)
    result = []
    sender = campaign_senders(campaign, workspace_mailboxes(workspace_root) or {})[0]  # a rotation's first
    for person_id in people:
        person = records[person_id]
        if not person.get("email"):
            continue
        references: list[str] = []
        first_subject = None
        for step in campaign.steps:
            rendered = library.render(step.template, template_variables(campaign, step.number, person, sender),
                                      need_subject=step.number == 0)
            subject = reply_subject(first_subject) if first_subject else rendered.subject
            first_subject = first_subject or rendered.subject
            message_id = new_message_id(sender.address)
            message = build_message(Outgoing(
                from_name=sender.name, from_address=sender.address, to_name=person["name"],
                to_address=person["email"], subject=subject, text=rendered.text, html=rendered.html,
                message_id=message_id, date=now, physical_address=settings.physical_address,
                unsubscribe_url=settings.unsubscribe_url, unsubscribe_key=settings.unsubscribe_key,
                references=tuple(references),
            ))
            references.append(message_id)
            if steps is None or step.number + 1 in steps:
                result.append((person_id, step.number + 1, message.as_string()))
    return result
