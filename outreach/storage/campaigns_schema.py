"""Campaign, enrollment, outbox, suppression and inbox tables (a migration set separate from influencers).

Applied after ``outreach.storage.schema`` so ``influencers`` exists for the foreign keys. Never edit an
applied step: add a new one.
"""

import sqlite_utils
from sqlite_utils import Migrations

MIGRATIONS = Migrations("outreach-campaigns")


@MIGRATIONS(name="campaigns-outbox-suppression-inbox")
def create_campaign_tables(db: sqlite_utils.Database) -> None:
    """One outbox row per (enrollment, step): the unique index is what makes a double send impossible."""
    db.table("campaigns").create(
        {
            "id": int, "name": str, "source": str, "definition": str, "status": str, "sender_address": str,
            "created_at": str, "stopped_at": str,
        },
        pk="id",
        not_null={"name", "definition", "status", "sender_address", "created_at"},
    )
    db.table("campaigns").create_index(["name"], unique=True)

    db.table("enrollments").create(
        {
            "id": int, "campaign_id": int, "influencer_id": int, "email": str, "timezone": str,
            "stage_at_enroll": str, "status": str, "next_step": int, "next_due_at": str,
            "created_at": str, "stopped_at": str, "stop_reason": str,
        },
        pk="id",
        not_null={"campaign_id", "influencer_id", "email", "status", "next_step", "created_at"},
        foreign_keys=[("campaign_id", "campaigns", "id"), ("influencer_id", "influencers", "id")],
    )
    db.table("enrollments").create_index(["campaign_id", "influencer_id"], unique=True)
    db.table("enrollments").create_index(["status", "next_due_at"])
    db.table("enrollments").create_index(["influencer_id"])

    db.table("outbox").create(
        {
            "id": int, "enrollment_id": int, "campaign_id": int, "influencer_id": int, "step": int,
            "template": str, "to_address": str, "sender_address": str, "message_id": str, "subject": str,
            "raw": str, "state": str, "attempts": int, "next_attempt_at": str, "last_error": str,
            "queued_at": str, "sending_at": str, "sent_at": str, "outcome": str, "outcome_at": str,
        },
        pk="id",
        not_null={"enrollment_id", "campaign_id", "influencer_id", "step", "to_address", "sender_address",
                  "message_id", "raw", "state", "attempts", "queued_at"},
        defaults={"attempts": 0},
        foreign_keys=[("enrollment_id", "enrollments", "id"), ("campaign_id", "campaigns", "id"),
                      ("influencer_id", "influencers", "id")],
    )
    db.table("outbox").create_index(["enrollment_id", "step"], unique=True)
    db.table("outbox").create_index(["message_id"], unique=True)
    db.table("outbox").create_index(["state", "next_attempt_at"])
    db.table("outbox").create_index(["sender_address", "queued_at"])
    db.table("outbox").create_index(["to_address"])

    db.table("suppressions").create(
        {"email": str, "reason": str, "source": str, "created_at": str},
        pk="email",
        not_null={"reason", "created_at"},
    )

    db.table("mailboxes").create({"address": str, "next_allowed_at": str}, pk="address")

    db.table("inbox_messages").create(
        {
            "id": int, "mailbox": str, "uidvalidity": int, "uid": int, "kind": str, "message_id": str,
            "from_address": str, "subject": str, "outbox_id": int, "influencer_id": int, "processed_at": str,
        },
        pk="id",
        not_null={"mailbox", "uidvalidity", "uid", "kind", "processed_at"},
    )
    db.table("inbox_messages").create_index(["mailbox", "uidvalidity", "uid"], unique=True)


@MIGRATIONS(name="inbox-review-queue-and-message-reasons")
def add_inbox_review_queue(db: sqlite_utils.Database) -> None:
    """Messages the inbox will not act on by itself (unsure meaning, failed authentication, a bounce that
    names nobody we wrote to) wait in ``inbox_reviews`` for a person; ``inbox_messages.reason`` says why a
    message was skipped (``unparseable``, ``too_large``) or sent to review."""
    db.table("inbox_messages").add_column("reason", str)
    db.table("inbox_reviews").create(
        {
            "id": int, "inbox_message_id": int, "influencer_id": int, "outbox_id": int, "from_address": str,
            "subject": str, "proposed": str, "reason": str, "excerpt": str, "received_at": str,
            "status": str, "decision": str, "created_at": str, "decided_at": str,
        },
        pk="id",
        not_null={"inbox_message_id", "proposed", "reason", "status", "created_at"},
        foreign_keys=[("inbox_message_id", "inbox_messages", "id")],
    )
    db.table("inbox_reviews").create_index(["status", "influencer_id"])
    db.table("inbox_reviews").create_index(["status", "from_address"])


@MIGRATIONS(name="mailbox-pause")
def add_mailbox_pause(db: sqlite_utils.Database) -> None:
    """A server that refuses the sender (quota, policy) pauses that mailbox with its own words; the queue
    stays. ``paused_until`` NULL means until a person resumes it (``outreach outbox resume``)."""
    db.table("mailboxes").add_column("paused_at", str)
    db.table("mailboxes").add_column("paused_until", str)
    db.table("mailboxes").add_column("pause_reason", str)


@MIGRATIONS(name="outbox-sent-folder-copy")
def add_sent_folder_copy(db: sqlite_utils.Database) -> None:
    """A delivered email is also appended to the sender's IMAP Sent folder. ``sent_copy`` is NULL when no
    copy is wanted (no [imap], or sent before this existed), ``pending`` until the APPEND succeeds, then
    ``copied``, or ``failed`` once retries are used up; the email itself is never sent again for it."""
    db.table("outbox").add_column("sent_copy", str)
    db.table("outbox").add_column("sent_copy_attempts", int, not_null_default=0)
    db.table("outbox").add_column("sent_copy_error", str)
    db.table("outbox").create_index(["sent_copy"])


@MIGRATIONS(name="campaign-changes-log")
def add_campaign_changes(db: sqlite_utils.Database) -> None:
    """Every ``campaign edit`` and ``campaign sync``: when, which kind, the readable diff or who was enrolled
    (``summary``, one item per line) and the counts as JSON (re-planned due times, enrolled, skipped by reason)."""
    db.table("campaign_changes").create(
        {"id": int, "campaign_id": int, "kind": str, "at": str, "source": str, "summary": str, "counts": str},
        pk="id",
        not_null={"campaign_id", "kind", "at", "summary", "counts"},
        foreign_keys=[("campaign_id", "campaigns", "id")],
    )
    db.table("campaign_changes").create_index(["campaign_id", "at"])


@MIGRATIONS(name="enrollment-mailbox")
def add_enrollment_mailbox(db: sqlite_utils.Database) -> None:
    """The sending mailbox (its address, lowercase) an enrollment was given when its first email was planned:
    every follow-up goes from it so the thread stays in one mailbox. NULL until then; enrollments made before
    this existed send as their campaign's ``sender``."""
    db.table("enrollments").add_column("mailbox", str)


@MIGRATIONS(name="enrollments-due-covering-index")
def add_due_covering_index(db: sqlite_utils.Database) -> None:
    """Every tick reads the active enrollments whose step is due: with the columns it needs in the index,
    those rows come from one ordered range of the index instead of one table lookup each (1M enrollments,
    130k due: 2.5 s → tens of ms). It replaces ``(status, next_due_at)``, which it starts with, and holds the
    enrollment's ``mailbox`` (rotation reads it for every due row)."""
    db.execute("DROP INDEX IF EXISTS idx_enrollments_status_next_due_at")
    db.execute("CREATE INDEX idx_enrollments_due ON enrollments(status, next_due_at, campaign_id, next_step, "
               "timezone, influencer_id, email, mailbox)")


@MIGRATIONS(name="outbox-guest-emails")
def add_guest_emails(db: sqlite_utils.Database) -> None:
    """Guest emails (confirmation, reminders, thank-you...) go through the same outbox as campaign steps, so
    they share its crash safety, suppression check, mailboxes and transport. A guest row has ``kind`` 'guest',
    no enrollment, campaign or step (those columns become nullable), and the booking's ``guest_id``.

    ``guest_emails`` holds each guest email's idempotency key (UNIQUE: the primary key), written in the same
    transaction as its outbox row: a crash can neither lose one nor queue it twice. A key with ``outbox_id``
    NULL was skipped, with its ``reason`` (said once)."""
    db.table("outbox").transform(not_null={"enrollment_id": False, "campaign_id": False, "step": False})
    for columns, unique in ((["enrollment_id", "step"], True), (["message_id"], True),
                            (["state", "next_attempt_at"], False), (["sender_address", "queued_at"], False),
                            (["to_address"], False), (["sent_copy"], False)):
        db.table("outbox").create_index(columns, unique=unique, if_not_exists=True)
    db.table("outbox").add_column("kind", str, not_null_default="campaign")
    db.table("outbox").add_column("guest_id", int)
    db.table("guest_emails").create(
        {"key": str, "guest_id": int, "influencer_id": int, "kind": str, "outbox_id": int, "reason": str,
         "at": str},
        pk="key",
        not_null={"guest_id", "kind", "at"},
    )
    db.table("guest_emails").create_index(["guest_id"])


@MIGRATIONS(name="stop-checks-queue")
def add_stop_checks(db: sqlite_utils.Database) -> None:
    """The stop rules (suppressed, do-not-contact, stage changed) look only at people something happened to
    since the last tick, not at every active sequence (9 s at 1M enrollments). Triggers queue them in
    ``stop_checks`` in the same transaction as the change, whichever path made it (import, ``set``, the
    inbox, a booking, an edit in Datasette): a crash can never lose a stop, and the tick deletes the rows it
    handled in the transaction that ends the sequences. A change to ``contacted`` (our own first email) stops
    nothing and is not queued. A row with neither column set asks for a check of
    everyone (queued once here, so whatever an older version had not yet stopped is stopped).

    ``transform()`` of ``influencers``, ``suppressions`` or ``enrollments`` drops these triggers: a migration
    that rebuilds one of them must create its trigger again."""
    db.execute("CREATE TABLE stop_checks (id INTEGER PRIMARY KEY, influencer_id INTEGER, email TEXT)")
    db.execute("CREATE INDEX idx_enrollments_email ON enrollments(email)")
    db.execute("""CREATE TRIGGER stop_check_stage AFTER UPDATE OF stage ON influencers
                  WHEN old.stage IS NOT new.stage AND new.stage IS NOT 'contacted'
                  BEGIN INSERT INTO stop_checks (influencer_id) VALUES (new.id); END""")
    db.execute("""CREATE TRIGGER stop_check_suppressed AFTER INSERT ON suppressions
                  BEGIN INSERT INTO stop_checks (email) VALUES (new.email); END""")
    db.execute("""CREATE TRIGGER stop_check_suppression_changed AFTER UPDATE OF email, reason ON suppressions
                  BEGIN INSERT INTO stop_checks (email) VALUES (new.email); END""")
    db.execute("""CREATE TRIGGER stop_check_enrolled AFTER INSERT ON enrollments
                  BEGIN INSERT INTO stop_checks (influencer_id) VALUES (new.influencer_id); END""")
    db.execute("INSERT INTO stop_checks (influencer_id, email) VALUES (NULL, NULL)")


@MIGRATIONS(name="enrollments-lower-email-index")
def add_lower_email_index(db: sqlite_utils.Database) -> None:
    """Each tick finds the due sequences of people whose message waits in the inbox review queue by their
    address as the inbox saw it, lowercased: through this index, instead of lowercasing every due row's."""
    db.execute("CREATE INDEX idx_enrollments_lower_email ON enrollments(lower(email))")


@MIGRATIONS(name="outbox-sequence-pending")
def add_sequence_pending(db: sqlite_utils.Database) -> None:
    """``sequence_pending`` is 1 on a sent email whose sequence has not moved on yet (next step scheduled,
    'emailed' in the person's history): the sender records that for many emails in one transaction, and a
    crash in between leaves these rows for the next tick to finish (:func:`outreach.campaigns.sending.move_on`).
    Rows sent before this column existed are NULL: already moved on."""
    db.execute("ALTER TABLE outbox ADD COLUMN sequence_pending INTEGER")
    db.execute("CREATE INDEX idx_outbox_sequence_pending ON outbox(id) WHERE sequence_pending = 1")
