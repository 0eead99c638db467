"""``audience_samples``: the rows a show's audience leaves, read back as the reports read them."""

import sqlite3

import pytest

from livekit.core.audience import AudienceSample, gap, measured
from livekit.core.rundown import Rundown, Segment
from livekit.storage.audience import record, samples
from livekit.storage.shows import ShowStore

T0 = 1_700_000_040_000


@pytest.fixture
def show(workspace):
    db = workspace.database()
    show_id, _ = ShowStore(db).new_show(Rundown(title="Q&A", segments=(Segment(title="Intro", duration_ms=60_000),)))
    return db, show_id


def test_rows_are_read_back_with_their_gaps(show):
    db, show_id = show
    record(db, show_id, [measured(T0, "twitch", "viewers", 12), gap(T0 + 60_000, "twitch", "viewers", "offline")])
    assert samples(db, show_id) == [AudienceSample(T0, "twitch", "viewers", 12.0),
                                    AudienceSample(T0 + 60_000, "twitch", "viewers", None, "offline")]


def test_a_minute_written_again_replaces_the_first_row(show):
    db, show_id = show
    record(db, show_id, [gap(T0, "youtube", "viewers", "unavailable")])
    record(db, show_id, [measured(T0, "youtube", "viewers", 30)])
    assert samples(db, show_id) == [AudienceSample(T0, "youtube", "viewers", 30.0)]


def test_the_table_refuses_a_row_that_is_both_a_value_and_a_gap(show):
    db, show_id = show
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO audience_samples VALUES (?, ?, 'twitch', 'viewers', 0, 'offline')", [show_id, T0])


def test_rows_of_another_show_are_not_read(show):
    db, show_id = show
    record(db, show_id, [measured(T0, "chat", "chat_messages", 3)])
    assert samples(db, show_id + 1) == []


def test_a_row_edited_off_the_minute_is_read_as_its_minute(show):
    """The table cannot enforce minute starts (Datasette, a hand edit): the report must still open."""
    db, show_id = show
    with db.conn:
        db.execute("INSERT INTO audience_samples VALUES (?, ?, 'twitch', 'viewers', 7, NULL)", [show_id, T0 + 1_234])
    assert samples(db, show_id) == [AudienceSample(T0, "twitch", "viewers", 7.0)]


def test_of_two_rows_in_one_minute_the_later_is_read(show):
    db, show_id = show
    with db.conn:
        db.execute("INSERT INTO audience_samples VALUES (?, ?, 'twitch', 'viewers', 7, NULL)", [show_id, T0 + 1_000])
        db.execute("INSERT INTO audience_samples VALUES (?, ?, 'twitch', 'viewers', 9, NULL)", [show_id, T0 + 2_000])
    assert samples(db, show_id) == [AudienceSample(T0, "twitch", "viewers", 9.0)]
