"""One person's sequence in a campaign: its states and the only moves allowed between them.

Every write to ``enrollments.status`` goes through :mod:`outreach.storage.enrollments`, which checks this
table first (as ``livekit.guests.core`` does for guests), so a reply, a bounce, a stop rule and the
sender cannot each invent their own idea of what may follow what.
"""

from __future__ import annotations

from enum import StrEnum

from greenroom.errors import GreenroomError


class EnrollmentStatus(StrEnum):
    """The value the ``enrollments.status`` column holds; every status but ``active`` is final."""

    ACTIVE = "active"
    COMPLETED = "completed"
    REPLIED = "replied"
    DECLINED = "declined"
    BOUNCED = "bounced"
    OPTED_OUT = "opted_out"
    STOPPED = "stopped"
    STAGE_CHANGED = "stage_changed"
    FAILED = "failed"


_ENDINGS = frozenset(status for status in EnrollmentStatus if status is not EnrollmentStatus.ACTIVE)

#: Which status an enrollment may move to from each status. ``active → active`` is how a sequence is moved
#: on or paused (an out-of-office postpones the next step); an ended sequence never starts again.
ENROLLMENT_TRANSITIONS: dict[EnrollmentStatus, frozenset[EnrollmentStatus]] = {
    EnrollmentStatus.ACTIVE: frozenset(EnrollmentStatus),
    **{ending: frozenset() for ending in _ENDINGS},
}


class EnrollmentTransitionError(GreenroomError):
    """A write would move an enrollment somewhere the lifecycle does not allow."""


def parse_status(value: object) -> EnrollmentStatus:
    try:
        return EnrollmentStatus(str(value).strip().lower().replace("-", "_"))
    except ValueError:
        known = ", ".join(status.value for status in EnrollmentStatus)
        raise EnrollmentTransitionError(f"unknown enrollment status {value!r} (known: {known})") from None


def allowed_sources(target: EnrollmentStatus | str) -> frozenset[EnrollmentStatus]:
    """The statuses from which ``target`` may be reached: the storage layer puts them in its WHERE clause."""
    destination = parse_status(target)
    return frozenset(source for source, targets in ENROLLMENT_TRANSITIONS.items() if destination in targets)


def check_transition(current: EnrollmentStatus | str, target: EnrollmentStatus | str) -> EnrollmentStatus:
    """The target status if an enrollment may go there from ``current``; raise if not."""
    source, destination = parse_status(current), parse_status(target)
    if destination not in ENROLLMENT_TRANSITIONS[source]:
        raise EnrollmentTransitionError(
            f"an enrollment that is {source.value} cannot become {destination.value}: it has ended"
        )
    return destination


def is_final(status: EnrollmentStatus | str) -> bool:
    return not ENROLLMENT_TRANSITIONS[parse_status(status)] - {parse_status(status)}
