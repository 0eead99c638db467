"""A delivered message is recorded as sent even when scheduling its follow-up goes wrong."""

import random
from dataclasses import replace

from outreach.campaigns.sending import TickReport, queue_due, send_due
from outreach.campaigns.settings import outreach_settings
from outreach.campaigns.store import StoredCampaign, campaigns_by_id
from outreach.mail.template import TemplateLibrary, template_dirs
from outreach.service import open_transport


def unschedulable(stored: StoredCampaign) -> StoredCampaign:
    """The same campaign with a follow-up so far away that the date arithmetic overflows."""
    steps = list(stored.campaign.steps)
    steps[1] = replace(steps[1], after_business_days=3_000_000)
    return replace(stored, campaign=replace(stored.campaign, steps=tuple(steps)))


def test_message_delivered_stays_sent_when_its_follow_up_cannot_be_scheduled(world, smtp_server):
    world.configure(smtp_server.config())
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    report = TickReport()
    library = TemplateLibrary(template_dirs(world.workspace.root))
    with world.db.atomic():
        queue_due(world.db, library, outreach_settings(world.workspace), world.now, random.Random(1), report)
    campaigns = {cid: unschedulable(stored) for cid, stored in campaigns_by_id(world.db).items()}
    transport = open_transport(world.workspace)
    try:
        send_due(world.db, transport, lambda: world.now, report, campaigns=campaigns)
    finally:
        transport.close()
    assert len(smtp_server.handler.to("bo@example.org")) == 1
    assert world.outbox()[0]["state"] == "sent"
    assert report.sent == 1
    assert "was sent, but its sequence could not move on" in report.errors[0]
