"""livekit's tables, created and evolved through sqlite-utils migrations (one step per change)."""

from sqlite_utils import Migrations

MIGRATIONS = Migrations("livekit")


@MIGRATIONS(name="guests_create_queue_and_appearance_log")
def guests_create_queue_and_appearance_log(db):
    """Guests of a show (``show`` NULL = booked for the next show) and the permanent appearance log.

    The log copies the guest's name and title so it stays true after a guest row is edited or deleted.
    """
    db.execute(
        """
        CREATE TABLE guests (
            id INTEGER PRIMARY KEY,
            show TEXT,
            position INTEGER NOT NULL DEFAULT 0,
            name TEXT NOT NULL,
            pronouns TEXT NOT NULL DEFAULT '',
            title_or_handle TEXT NOT NULL DEFAULT '',
            contact TEXT NOT NULL DEFAULT '',
            topic TEXT NOT NULL DEFAULT '',
            talking_points TEXT NOT NULL DEFAULT '[]',
            notes TEXT NOT NULL DEFAULT '',
            booked_by TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'invited' CHECK (status IN
                ('invited', 'confirmed', 'in_green_room', 'on_air', 'done', 'no_show')),
            status_changed_ms INTEGER,
            created_ms INTEGER NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX guests_by_show ON guests (show, position)")
    db.execute(
        """
        CREATE TABLE guest_appearances (
            id INTEGER PRIMARY KEY,
            show TEXT,
            guest_id INTEGER REFERENCES guests(id) ON DELETE SET NULL,
            guest_name TEXT NOT NULL,
            pronouns TEXT NOT NULL DEFAULT '',
            title_or_handle TEXT NOT NULL DEFAULT '',
            topic TEXT NOT NULL DEFAULT '',
            booked_by TEXT NOT NULL DEFAULT '',
            on_air_ms INTEGER NOT NULL,
            off_air_ms INTEGER,
            notes TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute("CREATE INDEX guest_appearances_by_show ON guest_appearances (show, on_air_ms)")
    db.execute("CREATE INDEX guest_appearances_by_guest ON guest_appearances (guest_id)")


@MIGRATIONS(name="questions_create_table")
def questions_create_table(db):
    """Viewer questions per show. ``(show, platform, message_id)`` is unique so a redelivered chat message
    can never become a second question, even across a crash and restart."""
    db.execute(
        """
        CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            show TEXT NOT NULL,
            platform TEXT NOT NULL,
            message_id TEXT NOT NULL,
            author_id TEXT NOT NULL,
            author_name TEXT NOT NULL,
            text TEXT NOT NULL,
            normalised TEXT NOT NULL,
            received_ms INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                ('pending', 'approved', 'rejected', 'on_screen', 'answered')),
            changed_ms INTEGER,
            answered_segment INTEGER,
            answered_guest TEXT,
            UNIQUE (show, platform, message_id)
        )
        """
    )
    db.execute("CREATE INDEX questions_by_author ON questions (show, platform, author_id)")
    db.execute("CREATE INDEX questions_by_status ON questions (show, status)")


@MIGRATIONS(name="shows_create_shows_and_events")
def shows_create_shows_and_events(db):
    """Shows and their append-only event log; replaying the log rebuilds a show after a crash.

    ``rundown_json`` freezes the plan the show ran with, so editing the file later changes nothing.
    """
    db.execute(
        """
        CREATE TABLE shows (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            rundown_path TEXT,
            rundown_hash TEXT NOT NULL,
            rundown_json TEXT NOT NULL,
            warning_ms INTEGER NOT NULL,
            planned_ms INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('ready', 'live', 'ended')),
            created_ms INTEGER NOT NULL,
            started_ms INTEGER,
            ended_ms INTEGER
        )
        """
    )
    db.execute("CREATE INDEX shows_by_rundown ON shows (rundown_hash, status)")
    db.execute(
        """
        CREATE TABLE show_events (
            show_id INTEGER NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            type TEXT NOT NULL,
            segment INTEGER,
            at_ms INTEGER NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (show_id, seq)
        )
        """
    )


@MIGRATIONS(name="questions_platform_quota_usage")
def questions_platform_quota_usage(db):
    """Nothing any more: ``platform_quota`` is written by both tools, so greenroom's own migration set creates
    it (``greenroom.quota``). The step stays so databases that ran it keep the same history."""


@MIGRATIONS(name="guests_link_influencer")
def guests_link_influencer(db):
    """A guest booked from outreach remembers which influencer they are (no foreign key: the outreach
    tables are another migration set, and a guest must survive the influencer being deleted)."""
    db.execute("ALTER TABLE guests ADD COLUMN influencer_id INTEGER")
    db.execute("CREATE INDEX guests_by_influencer ON guests (influencer_id)")


@MIGRATIONS(name="questions_paid_flag_and_amount")
def questions_paid_flag_and_amount(db):
    """A question the viewer paid for (YouTube Super Chat, member milestone) is flagged, with the platform's
    text for the amount, so moderation can show it first."""
    db.execute("ALTER TABLE questions ADD COLUMN paid INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE questions ADD COLUMN amount TEXT")


@MIGRATIONS(name="shows_rehearsal_flag")
def shows_rehearsal_flag(db):
    """A rehearsal (`livekit run --rehearsal`) is stored like a show, marked so lists and resumes keep it
    apart from the real ones."""
    db.execute("ALTER TABLE shows ADD COLUMN rehearsal INTEGER NOT NULL DEFAULT 0")


@MIGRATIONS(name="show_recordings")
def show_recordings(db):
    """The recording files OBS made during a show, one row each: an OBS restart splits a show's recording
    in two, and the report lists each with its offset (``stopped_ms`` stays NULL while it runs)."""
    db.execute(
        """
        CREATE TABLE show_recordings (
            id INTEGER PRIMARY KEY,
            show_id INTEGER NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
            started_ms INTEGER NOT NULL,
            stopped_ms INTEGER
        )
        """
    )
    db.execute("CREATE INDEX show_recordings_by_show ON show_recordings (show_id, started_ms)")


@MIGRATIONS(name="scheduled_shows_and_their_changes")
def scheduled_shows_and_their_changes(db):
    """Shows on the team's calendar (``livekit schedule``): planned start and end in UTC epoch ms plus the
    IANA zone they were planned in, an optional hard out, and ``sequence``, the number of changes so far.
    Every change (scheduled, moved, cancelled) is kept in ``scheduled_show_changes`` with the times it set,
    so a calendar update or cancellation can be sent from it later. ``key`` never changes: guests are booked
    under it and it is the calendar UID."""
    db.execute(
        """
        CREATE TABLE scheduled_shows (
            key TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            rundown_path TEXT,
            planned_total_ms INTEGER NOT NULL,
            timezone TEXT NOT NULL,
            starts_at_ms INTEGER NOT NULL,
            ends_at_ms INTEGER NOT NULL,
            hard_out_ms INTEGER,
            status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
            sequence INTEGER NOT NULL DEFAULT 0,
            created_ms INTEGER NOT NULL,
            changed_ms INTEGER NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX scheduled_shows_by_start ON scheduled_shows (starts_at_ms)")
    db.execute(
        """
        CREATE TABLE scheduled_show_changes (
            key TEXT NOT NULL REFERENCES scheduled_shows(key) ON DELETE CASCADE,
            sequence INTEGER NOT NULL,
            change TEXT NOT NULL CHECK (change IN ('scheduled', 'moved', 'cancelled')),
            timezone TEXT NOT NULL,
            starts_at_ms INTEGER NOT NULL,
            ends_at_ms INTEGER NOT NULL,
            hard_out_ms INTEGER,
            at_ms INTEGER NOT NULL,
            PRIMARY KEY (key, sequence)
        )
        """
    )


@MIGRATIONS(name="guest_appearances_segment_influencer_and_booking_changes")
def guest_appearances_segment_influencer_and_booking_changes(db):
    """Each appearance keeps the segment that was live when the guest went on air and the influencer the guest
    was booked from (copied like the name: the log must stay true after the guest row is deleted), so a
    person's history can list their appearances. ``guest_booking_changes`` is the guest log of bookings made
    from another tool: booked, moved to another show, cancelled, each with the shows involved."""
    db.execute("ALTER TABLE guest_appearances ADD COLUMN segment TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE guest_appearances ADD COLUMN influencer_id INTEGER")
    db.execute(
        "UPDATE guest_appearances SET influencer_id = "
        "(SELECT influencer_id FROM guests WHERE guests.id = guest_appearances.guest_id)"
    )
    db.execute("CREATE INDEX guest_appearances_by_influencer ON guest_appearances (influencer_id)")
    db.execute(
        """
        CREATE TABLE guest_booking_changes (
            id INTEGER PRIMARY KEY,
            guest_id INTEGER NOT NULL,
            influencer_id INTEGER,
            change TEXT NOT NULL CHECK (change IN ('booked', 'moved', 'cancelled')),
            from_show TEXT,
            to_show TEXT,
            booked_by TEXT NOT NULL DEFAULT '',
            at_ms INTEGER NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX guest_booking_changes_by_influencer ON guest_booking_changes (influencer_id, at_ms)")


@MIGRATIONS(name="audience_samples")
def audience_samples(db):
    """The audience during a show, one row per platform, metric and minute (``at_ms``: the minute's start,
    UTC epoch ms). ``value`` NULL is a gap (the platform gave nothing that minute) and ``gap_reason`` says
    why; the CHECK keeps the two exclusive, so no reader can mistake a failed poll for a zero. ``platform``
    is ``twitch``, ``youtube`` or ``chat`` (counts over every platform's chat). See livekit.core.audience."""
    db.execute(
        """
        CREATE TABLE audience_samples (
            show_id INTEGER NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
            at_ms INTEGER NOT NULL,
            platform TEXT NOT NULL,
            metric TEXT NOT NULL,
            value REAL,
            gap_reason TEXT,
            PRIMARY KEY (show_id, platform, metric, at_ms),
            CHECK ((value IS NULL) = (gap_reason IS NOT NULL))
        )
        """
    )


@MIGRATIONS(name="show_vods")
def show_vods(db):
    """Where a show's recording is published (`livekit vod SHOW_ID URL`): the thank-you email links the guest
    to their own segment in it."""
    db.execute("CREATE TABLE show_vods (show_id INTEGER PRIMARY KEY, url TEXT NOT NULL, set_ms INTEGER NOT NULL)")


@MIGRATIONS(name="scheduled_shows_join_url_and_location")
def scheduled_shows_join_url_and_location(db):
    """Where guests join a scheduled show (an http(s) link) and where it happens (one line): both go into the
    guests' invites and the team feed. A change of either alone is kept as ``changed`` (it raises the
    show's sequence like a move, so guests get an updated invite): ``scheduled_show_changes`` is rebuilt to
    allow that kind, as SQLite cannot alter a CHECK constraint."""
    db.execute("ALTER TABLE scheduled_shows ADD COLUMN join_url TEXT")
    db.execute("ALTER TABLE scheduled_shows ADD COLUMN location TEXT")
    db.execute(
        """
        CREATE TABLE scheduled_show_changes_new (
            key TEXT NOT NULL REFERENCES scheduled_shows(key) ON DELETE CASCADE,
            sequence INTEGER NOT NULL,
            change TEXT NOT NULL CHECK (change IN ('scheduled', 'moved', 'changed', 'cancelled')),
            timezone TEXT NOT NULL,
            starts_at_ms INTEGER NOT NULL,
            ends_at_ms INTEGER NOT NULL,
            hard_out_ms INTEGER,
            at_ms INTEGER NOT NULL,
            PRIMARY KEY (key, sequence)
        )
        """
    )
    db.execute("INSERT INTO scheduled_show_changes_new SELECT key, sequence, change, timezone, starts_at_ms, "
               "ends_at_ms, hard_out_ms, at_ms FROM scheduled_show_changes")
    db.execute("DROP TABLE scheduled_show_changes")
    db.execute("ALTER TABLE scheduled_show_changes_new RENAME TO scheduled_show_changes")
