"""The inbox corpus (tests/data/inbox): every real-shaped reply is read as the person meant it.

Each message goes through the real reader (``visible_text``) and the real classifier (``classify_intent``),
with the auto-reply flag taken from its headers and its ``Date`` as the reference day, as the inbox does.
A false opt-out silences a person who said yes; a missed opt-out emails a person who said stop: each has
its own assertion over the whole corpus, so a failure names every message that went wrong.
"""

from __future__ import annotations

import csv
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from outreach.core.intent import Intent, IntentKind, classify_intent
from outreach.mail.reading import visible_text

CORPUS = Path(__file__).parent / "data" / "inbox"
INTENT_KINDS = {kind.value for kind in IntentKind}


def _manifest() -> list[dict[str, str]]:
    with (CORPUS / "expected.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ROWS = _manifest()
READ_ROWS = [row for row in ROWS if row["kind"] in INTENT_KINDS]


def _message(name: str) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes((CORPUS / name).read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def _auto_submitted(message: EmailMessage) -> bool:
    """RFC 3834 and the vendor headers auto-responders set (what the inbox passes as ``auto_submitted``)."""
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    return auto not in ("", "no") or precedence in ("bulk", "junk", "auto_reply") \
        or message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None


def _read(name: str) -> Intent:
    message = _message(name)
    received: date = parsedate_to_datetime(str(message["Date"])).date()
    return classify_intent(visible_text(message), str(message.get("Subject", "")),
                           auto_submitted=_auto_submitted(message), reference=received)


READINGS = {row["file"]: _read(row["file"]) for row in READ_ROWS}


def test_the_corpus_holds_at_least_80_replies_to_read() -> None:
    assert len(READ_ROWS) >= 80


def test_every_message_file_has_exactly_one_manifest_row_and_every_row_a_file() -> None:
    files = sorted(path.name for path in CORPUS.glob("*.eml"))
    listed = [row["file"] for row in ROWS]
    assert sorted(listed) == files
    assert len(set(listed)) == len(listed)


def test_the_corpus_covers_six_languages_and_every_kind_of_intent() -> None:
    kinds = {row["kind"] for row in READ_ROWS}
    assert kinds == INTENT_KINDS
    for language in ("-en-", "-fr-", "-de-", "-es-", "-it-", "-pt-"):
        opt_outs = [row for row in READ_ROWS if row["kind"] == "opt_out" and language in row["file"]]
        assert opt_outs, f"no opt-out in {language.strip('-')}"


def test_no_false_opt_outs() -> None:
    silenced = {name: READINGS[name].reason for name, row in ((row["file"], row) for row in READ_ROWS)
                if row["kind"] != "opt_out" and READINGS[name].kind is IntentKind.OPT_OUT}
    assert silenced == {}


def test_no_missed_opt_outs() -> None:
    missed = {row["file"]: f"{READINGS[row['file']].kind}: {READINGS[row['file']].reason}" for row in READ_ROWS
              if row["kind"] == "opt_out" and READINGS[row["file"]].kind is not IntentKind.OPT_OUT}
    assert missed == {}


def test_our_footer_is_never_read_as_the_persons_words() -> None:
    leaked = [row["file"] for row in READ_ROWS
              if "hear from us again" in visible_text(_message(row["file"])).lower()
              or 'reply "unsubscribe"' in visible_text(_message(row["file"])).lower()]
    assert leaked == []


@pytest.mark.parametrize("row", READ_ROWS, ids=[row["file"] for row in READ_ROWS])
def test_message_is_read_as_expected(row: dict[str, str]) -> None:
    intent = READINGS[row["file"]]
    expected = (row["kind"], row["confident"] == "true", row["return_date"] or None)
    actual = (intent.kind.value, intent.confident, intent.return_date.isoformat() if intent.return_date else None)
    assert actual == expected, intent.reason


# The same corpus as a mailbox really serves it: every message delivered into Dovecot, fetched back over IMAP
# by the inbox's own reader and classified by the inbox's own ``classify`` (headers, MIME and all).
_INBOX_KINDS = {"reply": "reply", "interested": "interested", "declined": "declined", "opt_out": "unsubscribe",
                "out_of_office": "auto_reply", "unknown": "unknown"}


def test_the_corpus_read_through_real_dovecot_gets_the_expected_outcome_with_no_false_or_missed_opt_out(
        imap_server) -> None:
    from outreach.mail.inbox import ImapReader, classify, parse

    for row in READ_ROWS:
        imap_server.deliver((CORPUS / row["file"]).read_bytes())
    reader = ImapReader(imap_server.host, imap_server.port, "none", imap_server.username, imap_server.password)
    _, fetched = reader.fetch_new({})
    got = {}
    for item in fetched:
        assert item.raw is not None
        message = parse(item.raw)
        key = (str(message.get("Subject", "")), str(message.get("Date", "")), str(message.get("Message-ID", "")))
        got[key] = classify(message)
    expected = {}
    for row in READ_ROWS:
        message = _message(row["file"])
        expected[(str(message.get("Subject", "")), str(message.get("Date", "")),
                  str(message.get("Message-ID", "")))] = (row["file"], _INBOX_KINDS[row["kind"]])
    assert len(got) == len(expected) == len(READ_ROWS)
    wrong = {name: (want, got[key].kind) for key, (name, want) in expected.items() if got[key].kind != want}
    false_opt_outs = [name for name, (want, found) in wrong.items() if found == "unsubscribe"]
    missed_opt_outs = [name for name, (want, found) in wrong.items() if want == "unsubscribe"]
    assert false_opt_outs == [], "people who did not ask to stop would be silenced"
    assert missed_opt_outs == [], "people who asked to stop would be emailed again"
    assert wrong == {}
