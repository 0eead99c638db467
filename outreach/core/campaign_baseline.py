"""Campaign baselines, computed and never typed: what a campaign's rates are compared with. Pure: no I/O.

By default (``last:5``) the baseline of a rate is the median over the last 5 *comparable* campaigns started
before this one: an audience tag in common, or the same template family (the first step's template name
without a trailing version such as ``-v2`` or ``_3``). Campaigns without data for a rate (nothing delivered)
are left out of that rate's median. ``last:N`` takes the last N instead; ``campaign:NAME`` compares with that
one campaign, whatever it was.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

DEFAULT_COUNT = 5

#: The rates a campaign is compared by (goal names of ``greenroom.goals.CAMPAIGN_GOALS``), as percentages,
#: except ``interested`` and ``booked`` which are counts.
RATE_NAMES = ("reply_rate", "interested", "booked", "opt_out_rate", "bounce_rate")


class CampaignBaselineError(ValueError):
    """A ``--baseline`` that cannot be used."""


@dataclass(frozen=True)
class CampaignBaselineChoice:
    """``last:N`` (``count``) or ``campaign:NAME`` (``campaign``)."""

    count: int = DEFAULT_COUNT
    campaign: str | None = None

    def describe(self) -> str:
        if self.campaign is not None:
            return f"campaign {self.campaign}"
        return f"median of the last {self.count} comparable campaigns"


_LAST = re.compile(r"^last:(\d+)$")


def parse_campaign_baseline(text: str) -> CampaignBaselineChoice:
    """``last:10`` or ``campaign:NAME``; raises :class:`CampaignBaselineError`."""
    stripped = text.strip()
    if stripped.lower().startswith("campaign:") and stripped[len("campaign:"):].strip():
        return CampaignBaselineChoice(campaign=stripped[len("campaign:"):].strip())
    match = _LAST.match(stripped.lower())
    if match is None or int(match.group(1)) == 0:
        raise CampaignBaselineError(f"--baseline must be last:N (N comparable campaigns) or campaign:NAME, "
                                    f"found {text!r}")
    return CampaignBaselineChoice(count=int(match.group(1)))


_VERSION = re.compile(r"([-_.]?v?\d+)+$", re.IGNORECASE)


def template_family(template: str) -> str:
    """``invite-v2`` → ``invite``, ``intro_3.md.j2`` → ``intro``: the template name without extensions and
    a trailing version, case-folded."""
    stem = template.rsplit("/", 1)[-1].split(".", 1)[0]
    return _VERSION.sub("", stem).casefold() or stem.casefold()


@dataclass(frozen=True)
class PastCampaign:
    """A stored campaign, as far as baselines need it; ``order`` sorts campaigns by when they started."""

    campaign_id: int
    name: str
    order: int
    tags: tuple[str, ...]
    first_template: str


@dataclass(frozen=True)
class CampaignBaseline:
    """The baseline of one rate: None when no chosen campaign has data; ``campaign_ids`` used, newest first."""

    value: float | None
    campaign_ids: tuple[int, ...]


def comparable_campaigns(current: PastCampaign, campaigns: Iterable[PastCampaign],
                         count: int = DEFAULT_COUNT) -> list[PastCampaign]:
    """The last ``count`` campaigns comparable with ``current`` (see the module docstring), newest first."""
    tags = {tag.casefold() for tag in current.tags}
    family = template_family(current.first_template)
    earlier = [
        campaign for campaign in campaigns
        if campaign.campaign_id != current.campaign_id and campaign.order < current.order
        and (tags & {tag.casefold() for tag in campaign.tags} or template_family(campaign.first_template) == family)
    ]
    earlier.sort(key=lambda campaign: (campaign.order, campaign.campaign_id), reverse=True)
    return earlier[:count]


def chosen_campaigns(choice: CampaignBaselineChoice, current: PastCampaign,
                     campaigns: Sequence[PastCampaign]) -> list[PastCampaign]:
    """The campaigns the baseline is made of; raises :class:`CampaignBaselineError` for an unknown name."""
    if choice.campaign is None:
        return comparable_campaigns(current, campaigns, choice.count)
    if choice.campaign == current.name:
        raise CampaignBaselineError(f"--baseline campaign:{choice.campaign} is the campaign being reported")
    for campaign in campaigns:
        if campaign.name == choice.campaign:
            return [campaign]
    raise CampaignBaselineError(f"--baseline campaign:{choice.campaign}: no such campaign")


def campaign_baselines(names: Iterable[str], campaigns: Sequence[PastCampaign],
                       rates: Mapping[int, Mapping[str, float | None]]) -> dict[str, CampaignBaseline]:
    """Per rate name, the median over ``campaigns`` (newest first) of ``rates[campaign_id][name]`` with data."""
    result = {}
    for name in names:
        used = [(campaign.campaign_id, value) for campaign in campaigns
                if (value := rates.get(campaign.campaign_id, {}).get(name)) is not None]
        median = statistics.median(value for _, value in used) if used else None
        result[name] = CampaignBaseline(None if median is None else float(median),
                                        tuple(campaign_id for campaign_id, _ in used))
    return result


def campaign_rates(*, delivered: int, replied: int, interested: int, booked: int, opted_out: int, bounced: int,
                   sent: int) -> dict[str, float | None]:
    """The goal metrics of one campaign: rates as percentages of people delivered to (bounces: of people
    sent to); None when there is nothing to divide by."""
    def percent(part: int, whole: int) -> float | None:
        return None if whole == 0 else part * 100.0 / whole

    return {"reply_rate": percent(replied, delivered), "interested": float(interested), "booked": float(booked),
            "opt_out_rate": percent(opted_out, delivered), "bounce_rate": percent(bounced, sent)}
