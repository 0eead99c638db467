"""One owner of the sequence lifecycle: the transition table decides, and the storage module is the only
code that writes enrollment statuses."""

import re
from pathlib import Path

import pytest

from outreach.core.enrollment import (
    ENROLLMENT_TRANSITIONS,
    EnrollmentStatus,
    EnrollmentTransitionError,
    check_transition,
    is_final,
)
from outreach.storage import enrollments as lifecycle

OUTREACH = Path(__file__).resolve().parent.parent / "outreach"


@pytest.mark.parametrize("ending", [s for s in EnrollmentStatus if s is not EnrollmentStatus.ACTIVE])
def test_an_ended_sequence_never_becomes_active_again(ending):
    assert is_final(ending)
    with pytest.raises(EnrollmentTransitionError, match="has ended"):
        check_transition(ending, EnrollmentStatus.ACTIVE)


def test_an_active_sequence_may_end_in_every_way_or_move_on():
    assert ENROLLMENT_TRANSITIONS[EnrollmentStatus.ACTIVE] == frozenset(EnrollmentStatus)
    assert check_transition("active", "declined") is EnrollmentStatus.DECLINED


def test_no_module_but_the_storage_module_updates_enrollments():
    writers = [path.relative_to(OUTREACH).as_posix() for path in OUTREACH.rglob("*.py")
               if re.search(r"UPDATE\s+enrollments", path.read_text(), re.IGNORECASE)]
    assert writers == ["storage/enrollments.py"]


def test_a_completed_sequence_is_not_turned_into_replied(world):
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.db.execute("UPDATE enrollments SET status = 'completed'")
    moved = lifecycle.end(world.db, EnrollmentStatus.REPLIED, world.now, "influencer_id = ?", [bo], reason="reply")
    assert moved == 0
    assert world.enrollment(bo)["status"] == "completed"
