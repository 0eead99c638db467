"""The per-message shortcuts of the send path give exactly what the general code gives."""

from datetime import UTC, datetime

import pytest

from outreach.importing import import_file
from outreach.mail.message import Outgoing, build_message, message_bytes
from outreach.storage.influencers import Filter, list_influencers, record_activity, set_fields

SENT_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
BASE = dict(from_name="Ana Example", from_address="ana@brand.example", to_name="Bo Fit", to_address="bo@example.org",
            subject="Bo, a live interview?", html=None, message_id="<1@brand.example>", date=SENT_AT,
            physical_address="Example Brand, 1 Main St, Springfield", unsubscribe_url="https://brand.example/u",
            unsubscribe_key=b"test key")


@pytest.mark.parametrize("changes", [
    {"text": "Hi Bo,\n\nA plain ASCII email.\n"},
    {"text": "No final newline"},
    {"text": "Dots\n.\nand From lines\nFrom me\n"},
    {"text": "Windows\r\nand old Mac\rline ends\n"},
    {"text": "Accents: Zoë\n"},
    {"text": "x" * 1200 + "\n"},
    {"text": "Hi\n", "to_name": 'Zoë "Zed", Jr.'},
    {"text": "Hi\n", "references": ("<0@brand.example>",)},
])
def test_message_bytes_are_what_the_email_package_writes(changes):
    message = build_message(Outgoing(**{**BASE, **changes}))
    assert message_bytes(message) == message.as_bytes()


def test_html_emails_are_written_by_the_email_package():
    message = build_message(Outgoing(**{**BASE, "text": "Hi\n", "html": "<p>Hi</p>"}))
    raw = message_bytes(message)
    assert b"Content-Type: multipart/alternative" in raw
    assert raw.count(b"Content-Type: text/") == 2


def test_recording_an_email_keeps_the_search_index_and_renames_are_still_found(workspace, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("Name,Email,Notes\nBo Fit,bo@example.org,met at GDC\n")
    db = workspace.database()
    import_file(db, people)
    record_activity(db, 1, "emailed", "campaign launch step 1", at=SENT_AT)
    assert [p["name"] for p in list_influencers(db, Filter(search="GDC"))] == ["Bo Fit"]
    set_fields(db, 1, {"name": "Bo Renamed"}, now=SENT_AT)
    assert [p["name"] for p in list_influencers(db, Filter(search="Renamed"))] == ["Bo Renamed"]
    assert list_influencers(db, Filter(search="Fit")) == []
